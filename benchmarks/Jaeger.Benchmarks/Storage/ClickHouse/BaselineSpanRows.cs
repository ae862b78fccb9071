using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Writing;

namespace Jaeger.Benchmarks.Storage.ClickHouse;

/// <summary>
/// The ClickHouse writer's row building before it encoded RowBinary itself (commit fe688c4, SpanRows.ToRow): one
/// boxed object[] per span with typed arrays and Tuple arrays, handed to the driver's InsertBinaryAsync. Kept here,
/// frozen, as the baseline of <see cref="ClickHouseInsertBenchmarks"/>; not used by the package.
/// </summary>
internal static class BaselineSpanRows
{
    private static string SpanIdText(SpanId id) => id.IsEmpty ? string.Empty : id.ToString();

    /// <summary>The row of one span, and its approximate encoded size in bytes.</summary>
    public static object[] ToRow(Span span, Process process, BaselineResourceAttributes resource, out int size)
    {
        var traceId = SpanRows.TraceIdText(span.TraceId);
        var kind = string.Empty;
        var status = SpanRows.StatusUnset;
        string scopeName = string.Empty, scopeVersion = string.Empty;
        var attributes = new BaselineAttributeGroup();
        var tags = span.Tags;
        string[]? warnings = span.Warnings.IsEmpty ? null : [.. span.Warnings];
        foreach (var tag in tags)
        {
            if (tag.Type == KeyValueType.String)
            {
                switch (tag.Key)
                {
                    case WellKnownTags.SpanKind when SpanRows.Kinds.Contains(tag.StringValue) && kind.Length == 0:
                        kind = tag.StringValue;
                        continue;
                    case SpanRows.ScopeNameKey when scopeName.Length == 0:
                        scopeName = tag.StringValue;
                        continue;
                    case SpanRows.ScopeVersionKey when scopeVersion.Length == 0:
                        scopeVersion = tag.StringValue;
                        continue;
                    case WellKnownTags.Error when tag.StringValue == "true":
                        // Kept as the text tag it is, and the status says error too.
                        status = SpanRows.StatusError;
                        break;
                }
            }
            else if (tag.Type == KeyValueType.Bool && tag.Key == WellKnownTags.Error && tag.BoolValue && status != SpanRows.StatusError)
            {
                status = SpanRows.StatusError;
                continue;
            }

            attributes.Add(tag);
        }

        if (warnings is not null)
        {
            attributes.AddComplex(SpanRows.SlicePrefix + SpanRows.WarningsKey, JsonSerializer.Serialize(warnings));
        }

        // The parent is the first reference when it is a CHILD_OF in this trace (Jaeger v2's parent_span_id); any
        // other shape keeps every reference as a link, the parent among them, so the references come back as written.
        var references = span.References;
        SpanId parent = default;
        var linksFrom = 0;
        if (!references.IsEmpty && references[0].RefType == SpanRefType.ChildOf && references[0].TraceId == span.TraceId)
        {
            parent = references[0].SpanId;
            linksFrom = 1;
        }
        else if (!references.IsEmpty)
        {
            parent = span.ParentSpanId;
        }

        var linkCount = references.Length - linksFrom;
        var linkTraceIds = new string[linkCount];
        var linkSpanIds = new string[linkCount];
        var linkStates = new string[linkCount];
        var linkStr = new Tuple<string, string>[linkCount][];
        var linkEmptyBool = new Tuple<string, bool>[linkCount][];
        var linkEmptyDouble = new Tuple<string, double>[linkCount][];
        var linkEmptyInt = new Tuple<string, long>[linkCount][];
        var linkEmptyComplex = new Tuple<string, string>[linkCount][];
        var linkZeros = new uint[linkCount];
        for (var i = 0; i < linkCount; i++)
        {
            var reference = references[linksFrom + i];
            linkTraceIds[i] = SpanRows.TraceIdText(reference.TraceId);
            linkSpanIds[i] = SpanIdText(reference.SpanId);
            linkStates[i] = string.Empty;
            linkStr[i] = [Tuple.Create(SpanRows.RefTypeKey, reference.RefType == SpanRefType.ChildOf ? "child_of" : "follows_from")];
            linkEmptyBool[i] = [];
            linkEmptyDouble[i] = [];
            linkEmptyInt[i] = [];
            linkEmptyComplex[i] = [];
        }

        var logs = span.Logs;
        var eventNames = new string[logs.Length];
        var eventTimes = new DateTime[logs.Length];
        var eventBool = new Tuple<string, bool>[logs.Length][];
        var eventDouble = new Tuple<string, double>[logs.Length][];
        var eventInt = new Tuple<string, long>[logs.Length][];
        var eventStr = new Tuple<string, string>[logs.Length][];
        var eventComplex = new Tuple<string, string>[logs.Length][];
        var eventZeros = new uint[logs.Length];
        var eventBytes = 0;
        for (var i = 0; i < logs.Length; i++)
        {
            var log = logs[i];
            var fields = new BaselineAttributeGroup();
            var name = string.Empty;
            foreach (var field in log.Fields)
            {
                if (field.Type == KeyValueType.String && field.Key == SpanRows.EventKey && name.Length == 0)
                {
                    name = field.StringValue;
                    continue;
                }

                fields.Add(field);
            }

            eventNames[i] = name;
            eventTimes[i] = FromMicros(log.TimestampMicros);
            eventBool[i] = fields.BoolTuples();
            eventDouble[i] = fields.DoubleTuples();
            eventInt[i] = fields.IntTuples();
            eventStr[i] = fields.StrTuples();
            eventComplex[i] = fields.ComplexTuples();
            eventBytes += 12 + name.Length + fields.Size;
        }

        var row = new object[]
        {
            SpanIdText(span.SpanId), traceId, string.Empty, SpanIdText(parent), span.OperationName, kind, FromMicros(span.StartTimeMicros), status, string.Empty, checked(span.DurationMicros * 1000),
            attributes.BoolKeys, attributes.BoolValues, attributes.DoubleKeys, attributes.DoubleValues, attributes.IntKeys, attributes.IntValues,
            attributes.StrKeys, attributes.StrValues, attributes.ComplexKeys, attributes.ComplexValues,
            eventNames, eventTimes, eventBool, eventDouble, eventInt, eventStr, eventComplex,
            linkTraceIds, linkSpanIds, linkStates, linkEmptyBool, linkEmptyDouble, linkEmptyInt, linkStr, linkEmptyComplex,
            process.ServiceName,
            resource.Group.BoolKeys, resource.Group.BoolValues, resource.Group.DoubleKeys, resource.Group.DoubleValues,
            resource.Group.IntKeys, resource.Group.IntValues, resource.Group.StrKeys, resource.Group.StrValues,
            resource.Group.ComplexKeys, resource.Group.ComplexValues,
            scopeName, scopeVersion,
            Array.Empty<string>(), Array.Empty<bool>(), Array.Empty<string>(), Array.Empty<double>(),
            Array.Empty<string>(), Array.Empty<long>(), Array.Empty<string>(), Array.Empty<string>(),
            Array.Empty<string>(), Array.Empty<string>(),
            (uint)span.Flags, eventZeros, linkZeros, linkZeros,
        };
        size = 120 + span.OperationName.Length + process.ServiceName.Length + attributes.Size + eventBytes + (linkCount * 60) + resource.Group.Size + scopeName.Length + scopeVersion.Length;
        return row;
    }

    private static DateTime FromMicros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);
}

/// <summary>The resource attributes of a process (its tags and <c>service.name</c>), computed once per batch.</summary>
internal sealed class BaselineResourceAttributes
{
    public BaselineResourceAttributes(Process process)
    {
        Group = new BaselineAttributeGroup();
        Group.Add(KeyValue.String(SpanRows.ServiceNameKey, process.ServiceName));
        foreach (var tag in process.Tags)
        {
            Group.Add(tag);
        }
    }

    public BaselineAttributeGroup Group { get; }
}

/// <summary>Attributes split by type into the key and value arrays of Jaeger v2's typed Nested columns.</summary>
internal sealed class BaselineAttributeGroup
{
    private readonly List<string> _boolKeys = [];
    private readonly List<bool> _boolValues = [];
    private readonly List<string> _doubleKeys = [];
    private readonly List<double> _doubleValues = [];
    private readonly List<string> _intKeys = [];
    private readonly List<long> _intValues = [];
    private readonly List<string> _strKeys = [];
    private readonly List<string> _strValues = [];
    private readonly List<string> _complexKeys = [];
    private readonly List<string> _complexValues = [];
    private object[]? _arrays;

    public int Size { get; private set; }

    // The arrays are made once, when first read; the group takes no more attributes after that.
    public string[] BoolKeys => (string[])Arrays[0];

    public bool[] BoolValues => (bool[])Arrays[1];

    public string[] DoubleKeys => (string[])Arrays[2];

    public double[] DoubleValues => (double[])Arrays[3];

    public string[] IntKeys => (string[])Arrays[4];

    public long[] IntValues => (long[])Arrays[5];

    public string[] StrKeys => (string[])Arrays[6];

    public string[] StrValues => (string[])Arrays[7];

    public string[] ComplexKeys => (string[])Arrays[8];

    public string[] ComplexValues => (string[])Arrays[9];

    private object[] Arrays => _arrays ??=
    [
        _boolKeys.ToArray(), _boolValues.ToArray(), _doubleKeys.ToArray(), _doubleValues.ToArray(), _intKeys.ToArray(),
        _intValues.ToArray(), _strKeys.ToArray(), _strValues.ToArray(), _complexKeys.ToArray(), _complexValues.ToArray(),
    ];

    public void Add(KeyValue tag)
    {
        Size += tag.Key.Length + 12;
        switch (tag.Type)
        {
            case KeyValueType.Bool:
                _boolKeys.Add(tag.Key);
                _boolValues.Add(tag.BoolValue);
                break;
            case KeyValueType.Float64:
                _doubleKeys.Add(tag.Key);
                _doubleValues.Add(tag.Float64Value);
                break;
            case KeyValueType.Int64:
                _intKeys.Add(tag.Key);
                _intValues.Add(tag.Int64Value);
                break;
            case KeyValueType.Binary:
                AddComplex(SpanRows.BytesPrefix + tag.Key, Convert.ToBase64String(tag.BinaryValue.Span));
                break;
            default:
                _strKeys.Add(tag.Key);
                _strValues.Add(tag.StringValue);
                Size += tag.StringValue.Length;
                break;
        }
    }

    public void AddComplex(string key, string value)
    {
        _complexKeys.Add(key);
        _complexValues.Add(value);
        Size += key.Length + value.Length;
    }

    public Tuple<string, bool>[] BoolTuples() => Zip(_boolKeys, _boolValues);

    public Tuple<string, double>[] DoubleTuples() => Zip(_doubleKeys, _doubleValues);

    public Tuple<string, long>[] IntTuples() => Zip(_intKeys, _intValues);

    public Tuple<string, string>[] StrTuples() => Zip(_strKeys, _strValues);

    public Tuple<string, string>[] ComplexTuples() => Zip(_complexKeys, _complexValues);

    private static Tuple<string, T>[] Zip<T>(List<string> keys, List<T> values)
    {
        var result = new Tuple<string, T>[keys.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Tuple.Create(keys[i], values[i]);
        }

        return result;
    }
}

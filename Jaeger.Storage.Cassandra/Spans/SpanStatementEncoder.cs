using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>The span writer's inserts, prepared once, with the bind types the cluster announced checked against schema v004's.</summary>
internal sealed class SpanInsertStatements
{
    public required CqlPreparedStatement Span { get; init; }

    public required CqlPreparedStatement ServiceName { get; init; }

    public required CqlPreparedStatement OperationName { get; init; }

    public required CqlPreparedStatement ServiceNameIndex { get; init; }

    public required CqlPreparedStatement ServiceOperationIndex { get; init; }

    public required CqlPreparedStatement TagIndex { get; init; }

    public required CqlPreparedStatement DurationIndex { get; init; }

    /// <summary>Schema v004's bind types of each insert, in bind order; the encoder writes exactly these.</summary>
    public static IReadOnlyList<(string Query, CqlType[] Types)> Expected(JaegerUdts u) =>
    [
        (CassandraStatements.InsertSpan, [CqlType.Blob, CqlType.Bigint, CqlType.Bigint, CqlType.Bigint, CqlType.Text, CqlType.Int, CqlType.Bigint, CqlType.Bigint, u.KeyValueList, u.LogList, u.SpanRefList, u.Process]),
        (CassandraStatements.InsertServiceName, [CqlType.Text]),
        (CassandraStatements.InsertOperationName, [CqlType.Text, CqlType.Text, CqlType.Text]),
        (CassandraStatements.InsertServiceNameIndex, [CqlType.Text, CqlType.Int, CqlType.Bigint, CqlType.Blob]),
        (CassandraStatements.InsertServiceOperationIndex, [CqlType.Text, CqlType.Text, CqlType.Bigint, CqlType.Blob]),
        (CassandraStatements.InsertTagIndex, [CqlType.Blob, CqlType.Bigint, CqlType.Text, CqlType.Bigint, CqlType.Text, CqlType.Text]),
        (CassandraStatements.InsertDurationIndex, [CqlType.Text, CqlType.Text, CqlType.Timestamp, CqlType.Bigint, CqlType.Bigint, CqlType.Blob]),
    ];

    /// <summary>Prepares the inserts (each once per store) and checks their bind types.</summary>
    public static async Task<SpanInsertStatements> PrepareAsync(CassandraStore store, CancellationToken cancellationToken)
    {
        var expected = Expected(store.Rows.Udts);
        var prepared = new CqlPreparedStatement[expected.Count];
        for (var i = 0; i < expected.Count; i++)
        {
            prepared[i] = await store.PrepareAsync(expected[i].Query, cancellationToken).ConfigureAwait(false);
        }

        return Create(prepared, expected);
    }

    /// <summary>The set from statements prepared in <see cref="Expected"/>'s order, checked.</summary>
    public static SpanInsertStatements Create(IReadOnlyList<CqlPreparedStatement> prepared, IReadOnlyList<(string Query, CqlType[] Types)> expected)
    {
        for (var i = 0; i < expected.Count; i++)
        {
            Check(prepared[i], expected[i].Types);
        }

        return new SpanInsertStatements
        {
            Span = prepared[0],
            ServiceName = prepared[1],
            OperationName = prepared[2],
            ServiceNameIndex = prepared[3],
            ServiceOperationIndex = prepared[4],
            TagIndex = prepared[5],
            DurationIndex = prepared[6],
        };
    }

    private static void Check(CqlPreparedStatement statement, CqlType[] expected)
    {
        var columns = statement.Prepared.Variables.Columns;
        if (columns.Count != expected.Length)
        {
            throw new StorageException("schema_mismatch", $"The cluster prepared '{statement.Query}' with {columns.Count} bind variables; schema v004 has {expected.Length}.", isTransient: false);
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (!Compatible(columns[i].Type, expected[i]))
            {
                throw new StorageException("schema_mismatch", $"Column {columns[i].Table}.{columns[i].Name} is {columns[i].Type} on the cluster; this store writes it as schema v004's {expected[i]}.", isTransient: false);
            }
        }
    }

    /// <summary>Same type; a UDT may have more fields after schema v004's (a v005 schema adds some), which are then left null.</summary>
    private static bool Compatible(CqlType actual, CqlType expected)
    {
        switch (expected.Code)
        {
            case CqlTypeCode.Varchar:
                return actual.IsText;
            case CqlTypeCode.List:
                return actual.Code == CqlTypeCode.List && Compatible(actual.Parameters[0], expected.Parameters[0]);
            case CqlTypeCode.Udt:
                if (actual.Code != CqlTypeCode.Udt || actual.FieldNames.Count < expected.FieldNames.Count)
                {
                    return false;
                }

                for (var i = 0; i < expected.FieldNames.Count; i++)
                {
                    if (actual.FieldNames[i] != expected.FieldNames[i] || !Compatible(actual.Parameters[i], expected.Parameters[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return actual.Code == expected.Code;
        }
    }
}

/// <summary>
/// Binds a span to the writer's inserts and encodes their EXECUTE query parameters straight into a frame buffer,
/// Jaeger's rows byte for byte (<c>spanstore/writer.go</c>, <c>dbmodel</c>): the traces row with its keyvalue, log,
/// span_ref and process UDTs, the service and operation names once per cache TTL, both service indexes, and unless
/// the span has the firehose flag a tag index row per unique indexable tag and two duration index rows.
/// </summary>
/// <remarks>
/// Allocation-free per span in steady state: values are written by type (no boxing, no value lists), constant text
/// (value types, reference types, the warning prefix) is pre-encoded UTF-8, trace ids go from the span into the
/// buffer, tag values are formatted into a per-thread scratch that also removes duplicates, the name cache is keyed by
/// tuples of the span's own strings, and the routing token is hashed from the encoded partition-key cells.
/// </remarks>
internal sealed class SpanStatementEncoder
{
    private const int MaxIndexedLength = 256;
    private const byte Flags = (byte)(CqlQueryFlags.Values | CqlQueryFlags.WithDefaultTimestamp);

    [ThreadStatic]
    private static TagScratch? t_scratch;

    private readonly CassandraIndexOptions _index;
    private readonly HashSet<string>? _blacklist;
    private readonly HashSet<string>? _whitelist;
    private readonly Counter<long>? _tagIndexSkipped;
    private readonly CqlConsistency _consistency;
    private readonly TimeProvider _time;
    private readonly long _nameTtlTicks;
    private readonly ConcurrentDictionary<string, long> _servicesWritten;
    private readonly ConcurrentDictionary<(string Service, string SpanKind, string Operation), long> _operationsWritten;

    public SpanStatementEncoder(CassandraStore store, Counter<long>? tagIndexSkipped)
    {
        _index = store.Options.Index;
        _blacklist = Keys(_index.TagBlacklist);
        _whitelist = Keys(_index.TagWhitelist);
        _tagIndexSkipped = tagIndexSkipped;
        _consistency = store.Consistency;
        _time = store.Time;
        _nameTtlTicks = (long)(store.Options.WriteCacheTtl.TotalSeconds * store.Time.TimestampFrequency);
        _servicesWritten = store.ServicesWritten;
        _operationsWritten = store.OperationsWritten;
    }

    /// <summary>Appends the EXECUTEs of <paramref name="span"/> to <paramref name="into"/>, written at <paramref name="timestamp"/> (µs).</summary>
    public void Encode(Span span, long timestamp, SpanInsertStatements statements, EncodedStatements into)
    {
        var w = into.Buffer;
        Span<int> cells = stackalloc int[12];
        var service = span.Process.ServiceName;
        var spanId = unchecked((long)span.SpanId.Value);
        var spanHash = SpanRows.SpanHash(span);

        var start = Begin(w, 12);
        cells[0] = TraceIdValue(w, span.TraceId);
        cells[1] = BigintValue(w, spanId);
        cells[2] = BigintValue(w, spanHash);
        cells[3] = BigintValue(w, 0);
        cells[4] = TextValue(w, span.OperationName);
        cells[5] = IntValue(w, (int)span.Flags);
        cells[6] = BigintValue(w, span.StartTimeMicros);
        cells[7] = BigintValue(w, span.DurationMicros);
        cells[8] = SpanTags(w, span);
        cells[9] = Logs(w, span.Logs);
        cells[10] = References(w, span.References);
        cells[11] = ProcessValue(w, span.Process);
        End(into, statements.Span, start, cells, timestamp, default);

        if (FirstWriteWithinTtl(service))
        {
            start = Begin(w, 1);
            cells[0] = TextValue(w, service);
            End(into, statements.ServiceName, start, cells[..1], timestamp, new WrittenName(service));
        }

        var kind = span.SpanKind;
        var operation = span.OperationName;
        if (FirstWriteWithinTtl(service, kind, operation))
        {
            start = Begin(w, 3);
            cells[0] = TextValue(w, service);
            cells[1] = TextValue(w, kind);
            cells[2] = TextValue(w, operation);
            End(into, statements.OperationName, start, cells[..3], timestamp, new WrittenName(service, kind, operation));
        }

        start = Begin(w, 4);
        cells[0] = TextValue(w, service);
        cells[1] = IntValue(w, (int)((ulong)spanHash % 10));
        cells[2] = BigintValue(w, span.StartTimeMicros);
        cells[3] = TraceIdValue(w, span.TraceId);
        End(into, statements.ServiceNameIndex, start, cells[..4], timestamp, default);

        start = Begin(w, 4);
        cells[0] = TextValue(w, service);
        cells[1] = TextValue(w, operation);
        cells[2] = BigintValue(w, span.StartTimeMicros);
        cells[3] = TraceIdValue(w, span.TraceId);
        End(into, statements.ServiceOperationIndex, start, cells[..4], timestamp, default);

        if ((span.Flags & SpanFlags.Firehose) != 0)
        {
            return;
        }

        TagIndexRows(span, spanId, timestamp, statements.TagIndex, into);

        var bucket = CassandraSpanWriter.DurationBucketMillis(span.StartTimeMicros);
        for (var i = 0; i < 2; i++)
        {
            start = Begin(w, 6);
            cells[0] = TextValue(w, service);
            cells[1] = TextValue(w, i == 0 ? string.Empty : operation);
            cells[2] = BigintValue(w, bucket);
            cells[3] = BigintValue(w, span.DurationMicros);
            cells[4] = BigintValue(w, span.StartTimeMicros);
            cells[5] = TraceIdValue(w, span.TraceId);
            End(into, statements.DurationIndex, start, cells[..6], timestamp, default);
        }
    }

    /// <summary>A name whose write failed is written again by the next span that carries it.</summary>
    public void Forget(in WrittenName name)
    {
        if (name.Service is null)
        {
            return;
        }

        if (name.Operation is null)
        {
            _servicesWritten.TryRemove(name.Service, out _);
        }
        else
        {
            _operationsWritten.TryRemove((name.Service, name.SpanKind ?? string.Empty, name.Operation), out _);
        }
    }

    /// <summary>The routing key's Murmur3 token from the encoded cells at the partition-key bind positions: one component as its bytes, several as (2-byte length, bytes, 0) each; null when a component is null or the key is unknown.</summary>
    internal static long? RoutingToken(ReadOnlySpan<byte> buffer, ReadOnlySpan<int> cells, IReadOnlyList<int> partitionKey)
    {
        if (partitionKey.Count == 0)
        {
            return null;
        }

        var total = 0;
        for (var i = 0; i < partitionKey.Count; i++)
        {
            var index = partitionKey[i];
            if ((uint)index >= (uint)cells.Length)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(buffer[cells[index]..]);
            if (length < 0)
            {
                return null;
            }

            total += length + 3;
        }

        if (partitionKey.Count == 1)
        {
            var at = cells[partitionKey[0]];
            return Murmur3Token.Compute(buffer.Slice(at + 4, total - 3));
        }

        byte[]? rented = null;
        var key = total <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(total));
        var pos = 0;
        for (var i = 0; i < partitionKey.Count; i++)
        {
            var at = cells[partitionKey[i]];
            var length = BinaryPrimitives.ReadInt32BigEndian(buffer[at..]);
            BinaryPrimitives.WriteUInt16BigEndian(key[pos..], (ushort)length);
            buffer.Slice(at + 4, length).CopyTo(key[(pos + 2)..]);
            key[pos + 2 + length] = 0;
            pos += length + 3;
        }

        var token = Murmur3Token.Compute(key[..pos]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return token;
    }

    private int Begin(CqlBufferWriter w, int count)
    {
        var start = w.Length;
        w.WriteShort((ushort)_consistency);
        w.WriteByte(Flags);
        w.WriteShort((ushort)count);
        return start;
    }

    private static void End(EncodedStatements into, CqlPreparedStatement statement, int start, ReadOnlySpan<int> cells, long timestamp, WrittenName name)
    {
        var w = into.Buffer;
        w.WriteLong(timestamp);
        var token = RoutingToken(w.WrittenSpan, cells, statement.Prepared.Variables.PartitionKeyIndexes);
        into.Add(new EncodedStatement(statement, start, w.Length - start, token, name));
    }

    private void TagIndexRows(Span span, long spanId, long timestamp, CqlPreparedStatement statement, EncodedStatements into)
    {
        var scratch = t_scratch ??= new TagScratch();
        scratch.Clear();
        if (_index.ProcessTags && !span.Process.Tags.IsDefault)
        {
            foreach (var tag in span.Process.Tags)
            {
                TagIndexRow(tag, span, spanId, timestamp, statement, into, scratch);
            }
        }

        if (_index.Tags)
        {
            foreach (var tag in span.Tags)
            {
                TagIndexRow(tag, span, spanId, timestamp, statement, into, scratch);
            }
        }

        if (_index.Logs)
        {
            foreach (var log in span.Logs)
            {
                foreach (var field in log.Fields)
                {
                    TagIndexRow(field, span, spanId, timestamp, statement, into, scratch);
                }
            }
        }
    }

    private void TagIndexRow(in KeyValue tag, Span span, long spanId, long timestamp, CqlPreparedStatement statement, EncodedStatements into, TagScratch scratch)
    {
        if (tag.Type == KeyValueType.Binary || (_blacklist?.Contains(tag.Key) ?? false) || (_whitelist is not null && !_whitelist.Contains(tag.Key)))
        {
            return;
        }

        var text = scratch.Add(tag);
        if (text.IsDuplicate)
        {
            return;
        }

        var value = scratch.Text(text);
        if (!ShouldIndex(tag.Key, value))
        {
            _tagIndexSkipped?.Add(1);
            return;
        }

        var w = into.Buffer;
        Span<int> cells = stackalloc int[6];
        var start = Begin(w, 6);
        cells[0] = TraceIdValue(w, span.TraceId);
        cells[1] = BigintValue(w, spanId);
        cells[2] = TextValue(w, span.Process.ServiceName);
        cells[3] = BigintValue(w, span.StartTimeMicros);
        cells[4] = TextValue(w, tag.Key);
        cells[5] = TextValue(w, value);
        End(into, statement, start, cells, timestamp, default);
    }

    /// <summary>Jaeger's rule: key and value under 256 UTF-8 bytes, and the value not a JSON object.</summary>
    private static bool ShouldIndex(string key, ReadOnlySpan<char> value)
    {
        if (Encoding.UTF8.GetByteCount(key) >= MaxIndexedLength)
        {
            return false;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        if (count >= MaxIndexedLength)
        {
            return false;
        }

        if (value.IsEmpty || value[0] != '{')
        {
            return true;
        }

        Span<byte> utf8 = stackalloc byte[MaxIndexedLength];
        var json = utf8[..Encoding.UTF8.GetBytes(value, utf8)];
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
            }

            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private bool FirstWriteWithinTtl(string service)
    {
        var now = _time.GetTimestamp();
        if (_servicesWritten.TryGetValue(service, out var expires) && expires > now)
        {
            return false;
        }

        _servicesWritten[service] = now + _nameTtlTicks;
        return true;
    }

    private bool FirstWriteWithinTtl(string service, string kind, string operation)
    {
        var now = _time.GetTimestamp();
        var key = (service, kind, operation);
        if (_operationsWritten.TryGetValue(key, out var expires) && expires > now)
        {
            return false;
        }

        _operationsWritten[key] = now + _nameTtlTicks;
        return true;
    }

    private static int TraceIdValue(CqlBufferWriter w, TraceId id)
    {
        var at = w.Length;
        w.WriteInt(16);
        id.WriteBytes(w.Append(16));
        return at;
    }

    private static int BigintValue(CqlBufferWriter w, long value)
    {
        var at = w.Length;
        w.WriteInt(8);
        w.WriteLong(value);
        return at;
    }

    private static int IntValue(CqlBufferWriter w, int value)
    {
        var at = w.Length;
        w.WriteInt(4);
        w.WriteInt(value);
        return at;
    }

    private static int TextValue(CqlBufferWriter w, ReadOnlySpan<char> value)
    {
        var at = w.Length;
        var count = Encoding.UTF8.GetByteCount(value);
        w.WriteInt(count);
        Encoding.UTF8.GetBytes(value, w.Append(count));
        return at;
    }

    private static void Utf8Value(CqlBufferWriter w, ReadOnlySpan<byte> value) => w.WriteBytes(value);

    /// <summary>The span's tags, then its warnings as string tags <c>$$span.warning.N</c>.</summary>
    private static int SpanTags(CqlBufferWriter w, Span span)
    {
        var at = w.BeginLength();
        w.WriteInt(span.Tags.Length + span.Warnings.Length);
        foreach (var tag in span.Tags)
        {
            KeyValueUdt(w, tag);
        }

        for (var i = 0; i < span.Warnings.Length; i++)
        {
            var mark = w.BeginLength();
            WarningKey(w, i + 1);
            Utf8Value(w, "string"u8);
            TextValue(w, span.Warnings[i]);
            ZeroFields(w);
            w.WriteNull();
            w.EndLength(mark);
        }

        w.EndLength(at);
        return at;
    }

    private static void WarningKey(CqlBufferWriter w, int number)
    {
        var prefix = "$$span.warning."u8;
        Span<byte> digits = stackalloc byte[11];
        number.TryFormat(digits, out var count, default, CultureInfo.InvariantCulture);
        w.WriteInt(prefix.Length + count);
        w.WriteRaw(prefix);
        w.WriteRaw(digits[..count]);
    }

    private static int KeyValueList(CqlBufferWriter w, ReadOnlySpan<KeyValue> values)
    {
        var at = w.BeginLength();
        w.WriteInt(values.Length);
        foreach (var value in values)
        {
            KeyValueUdt(w, value);
        }

        w.EndLength(at);
        return at;
    }

    /// <summary>A keyvalue with all seven fields as Jaeger writes them: "" / false / 0 / 0.0 for the unused ones, null binary unless binary.</summary>
    private static void KeyValueUdt(CqlBufferWriter w, in KeyValue tag)
    {
        var mark = w.BeginLength();
        TextValue(w, tag.Key);
        var type = tag.Type;
        Utf8Value(w, type switch
        {
            KeyValueType.String => "string"u8,
            KeyValueType.Bool => "bool"u8,
            KeyValueType.Int64 => "int64"u8,
            KeyValueType.Float64 => "float64"u8,
            _ => "binary"u8,
        });
        TextValue(w, type == KeyValueType.String ? tag.StringValue : string.Empty);
        w.WriteInt(1);
        w.WriteByte(tag.BoolValue ? (byte)1 : (byte)0);
        BigintValue(w, tag.Int64Value);
        w.WriteInt(8);
        w.WriteDouble(tag.Float64Value);
        if (type == KeyValueType.Binary)
        {
            w.WriteBytes(tag.BinaryValue.Span);
        }
        else
        {
            w.WriteNull();
        }

        w.EndLength(mark);
    }

    /// <summary>value_bool false, value_long 0, value_double 0.0 of a string keyvalue.</summary>
    private static void ZeroFields(CqlBufferWriter w)
    {
        w.WriteInt(1);
        w.WriteByte(0);
        BigintValue(w, 0);
        w.WriteInt(8);
        w.WriteDouble(0);
    }

    private static int Logs(CqlBufferWriter w, System.Collections.Immutable.ImmutableArray<Log> logs)
    {
        var at = w.BeginLength();
        w.WriteInt(logs.Length);
        foreach (var log in logs)
        {
            var mark = w.BeginLength();
            BigintValue(w, log.TimestampMicros);
            KeyValueList(w, log.Fields.AsSpan());
            w.EndLength(mark);
        }

        w.EndLength(at);
        return at;
    }

    private static int References(CqlBufferWriter w, System.Collections.Immutable.ImmutableArray<SpanRef> references)
    {
        var at = w.BeginLength();
        w.WriteInt(references.Length);
        foreach (var reference in references)
        {
            var mark = w.BeginLength();
            Utf8Value(w, reference.RefType == SpanRefType.FollowsFrom ? "follows-from"u8 : "child-of"u8);
            TraceIdValue(w, reference.TraceId);
            BigintValue(w, unchecked((long)reference.SpanId.Value));
            w.EndLength(mark);
        }

        w.EndLength(at);
        return at;
    }

    private static int ProcessValue(CqlBufferWriter w, Process process)
    {
        var at = w.BeginLength();
        TextValue(w, process.ServiceName);
        KeyValueList(w, process.Tags.IsDefault ? [] : process.Tags.AsSpan());
        w.EndLength(at);
        return at;
    }

    private static HashSet<string>? Keys(string? list) =>
        string.IsNullOrWhiteSpace(list) ? null : new HashSet<string>(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    /// <summary>
    /// The tag index texts of one span (Jaeger's <c>AsString</c>), for removing duplicates: a string value is its
    /// own text, the others are formatted into a character arena. Reused per thread, so a span costs no allocation
    /// once the set and the arena have grown to its size.
    /// </summary>
    private sealed class TagScratch : IEqualityComparer<TagText>
    {
        private readonly HashSet<TagText> _seen;
        private char[] _arena = new char[256];
        private int _used;

        public TagScratch() => _seen = new HashSet<TagText>(this);

        public void Clear()
        {
            _seen.Clear();
            _used = 0;
        }

        /// <summary>The tag's text, marked as a duplicate when the same key and text were added before.</summary>
        public TagText Add(in KeyValue tag)
        {
            var text = tag.Type switch
            {
                KeyValueType.String => new TagText(tag.Key, tag.StringValue, 0, 0),
                KeyValueType.Bool => new TagText(tag.Key, tag.BoolValue ? "true" : "false", 0, 0),
                _ => Formatted(tag),
            };

            if (_seen.Add(text))
            {
                return text;
            }

            _used -= text.Length;
            return text with { IsDuplicate = true };
        }

        public ReadOnlySpan<char> Text(in TagText text) => text.Value is { } value ? value : _arena.AsSpan(text.Offset, text.Length);

        public bool Equals(TagText x, TagText y) => x.Key == y.Key && Text(x).SequenceEqual(Text(y));

        public int GetHashCode(TagText text) => HashCode.Combine(text.Key.GetHashCode(StringComparison.Ordinal), string.GetHashCode(Text(text), StringComparison.Ordinal));

        private TagText Formatted(in KeyValue tag)
        {
            if (_arena.Length - _used < GoFloat.MaxLength)
            {
                Array.Resize(ref _arena, _arena.Length * 2);
            }

            var destination = _arena.AsSpan(_used);
            int length;
            if (tag.Type == KeyValueType.Int64)
            {
                tag.Int64Value.TryFormat(destination, out length, default, CultureInfo.InvariantCulture);
            }
            else
            {
                length = GoFloat.FormatG10(tag.Float64Value, destination);
            }

            var text = new TagText(tag.Key, null, _used, length);
            _used += length;
            return text;
        }
    }

    /// <summary>A tag's key and index text: <see cref="Value"/> when the text is a string, else a range of the scratch arena.</summary>
    private readonly record struct TagText(string Key, string? Value, int Offset, int Length)
    {
        public bool IsDuplicate { get; init; }
    }
}

using System.Globalization;
using System.Text;
using ClickHouse.Driver.ADO.Parameters;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Writing;

namespace Jaeger.Storage.ClickHouse.Reading;

/// <summary>
/// The WHERE clause over <c>spans</c> for a trace search. Every condition must hold on one span (one row). A tag
/// query is text; it matches a typed attribute whose value renders as that text (as Jaeger's model renders tags for
/// search), so the text is tried as each type it parses as: string always, bool for true/false, int64 and float64
/// when it round-trips, bytes when it is hex. Each is looked up in span attributes, resource (process) attributes
/// and event (log) attributes, and the well-known tags Jaeger v2 keeps in columns (span.kind, error, event,
/// otel.scope.name) in those columns.
/// </summary>
internal sealed class TraceSearch
{
    private readonly StringBuilder _where = new("1 = 1");
    private readonly List<ClickHouseDbParameter> _parameters = [];

    public TraceSearch(TraceQueryParameters query, bool binaryTags)
    {
        if (!string.IsNullOrEmpty(query.ServiceName))
        {
            _where.Append(" AND s.service_name = ").Append(Add("String", query.ServiceName));
        }

        if (!string.IsNullOrEmpty(query.OperationName))
        {
            _where.Append(" AND s.name = ").Append(Add("String", query.OperationName));
        }

        if (query.StartTimeMin is { } min)
        {
            _where.Append(" AND s.start_time >= fromUnixTimestamp64Nano(").Append(Add("Int64", Nanos(min))).Append(')');
        }

        if (query.StartTimeMax is { } max)
        {
            _where.Append(" AND s.start_time <= fromUnixTimestamp64Nano(").Append(Add("Int64", Nanos(max))).Append(')');
        }

        if (query.DurationMin is { } dmin)
        {
            _where.Append(" AND s.duration >= ").Append(Add("Int64", dmin.Ticks * 100));
        }

        if (query.DurationMax is { } dmax)
        {
            _where.Append(" AND s.duration <= ").Append(Add("Int64", dmax.Ticks * 100));
        }

        foreach (var (key, value) in query.Tags)
        {
            _where.Append(" AND (").Append(TagCondition(key, value, binaryTags)).Append(')');
        }
    }

    public string Where => _where.ToString();

    public IReadOnlyList<ClickHouseDbParameter> Parameters => _parameters;

    /// <summary>Nanoseconds since the Unix epoch (the model's precision is the microsecond).</summary>
    public static long Nanos(DateTimeOffset time) => (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Adds a parameter; returns its placeholder.</summary>
    public string Add(string type, object value)
    {
        var name = "p" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add(ClickHouseDatabase.Parameter(name, type, value));
        return $"{{{name}:{type}}}";
    }

    private string TagCondition(string key, string value, bool binaryTags)
    {
        var k = Add("String", key);
        var alternatives = new List<string>();

        void Typed(string type, string typeName, object typedValue)
        {
            var v = Add(typeName, typedValue);
            alternatives.Add($"arrayExists((k, v) -> k = {k} AND v = {v}, s.{type}_attributes.key, s.{type}_attributes.value)");
            alternatives.Add($"arrayExists((k, v) -> k = {k} AND v = {v}, s.resource_{type}_attributes.key, s.resource_{type}_attributes.value)");
            alternatives.Add($"arrayExists(a -> a.1 = {k} AND a.2 = {v}, arrayFlatten(s.events.{type}_attributes))");
        }

        Typed("str", "String", value);
        if (value is "true" or "false")
        {
            Typed("bool", "Bool", value == "true");
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) && integer.ToString(CultureInfo.InvariantCulture) == value)
        {
            Typed("int", "Int64", integer);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && number.ToString("R", CultureInfo.InvariantCulture) == value)
        {
            Typed("double", "Float64", number);
        }

        if (binaryTags && value.Length % 2 == 0 && value.Length > 0 && IsLowerHex(value))
        {
            var bytesKey = Add("String", SpanRows.BytesPrefix + key);
            var base64 = Add("String", Convert.ToBase64String(Convert.FromHexString(value)));
            alternatives.Add($"arrayExists((k, v) -> k = {bytesKey} AND v = {base64}, s.complex_attributes.key, s.complex_attributes.value)");
            alternatives.Add($"arrayExists((k, v) -> k = {bytesKey} AND v = {base64}, s.resource_complex_attributes.key, s.resource_complex_attributes.value)");
            alternatives.Add($"arrayExists(a -> a.1 = {bytesKey} AND a.2 = {base64}, arrayFlatten(s.events.complex_attributes))");
        }

        // Tags Jaeger v2 keeps in columns of their own.
        switch (key)
        {
            case WellKnownTags.SpanKind when SpanRows.Kinds.Contains(value):
                alternatives.Add($"s.kind = {Add("String", value)}");
                break;
            case WellKnownTags.Error when value == "true":
                alternatives.Add($"s.status_code = '{SpanRows.StatusError}'");
                break;
            case SpanRows.ScopeNameKey:
                alternatives.Add($"s.scope_name = {Add("String", value)}");
                break;
            case SpanRows.ScopeVersionKey:
                alternatives.Add($"s.scope_version = {Add("String", value)}");
                break;
            case SpanRows.EventKey:
                alternatives.Add($"has(s.events.name, {Add("String", value)})");
                break;
        }

        return string.Join("\n        OR ", alternatives);
    }

    private static bool IsLowerHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}

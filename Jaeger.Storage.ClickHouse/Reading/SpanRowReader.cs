using System.Collections.Immutable;
using System.Text.Json;
using ClickHouse.Driver.ADO.Readers;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Writing;

namespace Jaeger.Storage.ClickHouse.Reading;

/// <summary>
/// Reads rows of Jaeger v2's <c>spans</c> table back into Jaeger's span model: the inverse of <see cref="SpanRows"/>,
/// and the same mapping for rows a real Jaeger v2 collector wrote (OTLP status and scope become Jaeger's tags).
/// </summary>
internal static class SpanRowReader
{
    /// <summary>The SELECT list, in the order <see cref="Read"/> reads it.</summary>
    public const string SelectList = """
        id, trace_id, parent_span_id, name, kind, toUnixTimestamp64Nano(start_time), status_code, status_message, duration,
        bool_attributes.key, bool_attributes.value, double_attributes.key, double_attributes.value, int_attributes.key, int_attributes.value,
        str_attributes.key, str_attributes.value, complex_attributes.key, complex_attributes.value,
        events.name, arrayMap(t -> toUnixTimestamp64Nano(t), events.timestamp),
        events.bool_attributes.key, events.bool_attributes.value, events.double_attributes.key, events.double_attributes.value,
        events.int_attributes.key, events.int_attributes.value, events.str_attributes.key, events.str_attributes.value,
        events.complex_attributes.key, events.complex_attributes.value,
        links.trace_id, links.span_id, links.str_attributes.key, links.str_attributes.value,
        service_name,
        resource_bool_attributes.key, resource_bool_attributes.value, resource_double_attributes.key, resource_double_attributes.value,
        resource_int_attributes.key, resource_int_attributes.value, resource_str_attributes.key, resource_str_attributes.value,
        resource_complex_attributes.key, resource_complex_attributes.value,
        scope_name, scope_version, flags
        """;

    public static Span Read(ClickHouseDataReader row)
    {
        var warnings = ImmutableArray<string>.Empty;
        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        AddAttributes(tags, row, 9, ref warnings);

        var kind = row.GetString(4);
        var status = row.GetString(6);
        var statusMessage = row.GetString(7);
        if (SpanRows.Kinds.Contains(kind))
        {
            tags.Add(KeyValue.String(WellKnownTags.SpanKind, kind));
        }

        if (status == SpanRows.StatusError && !Has(tags, WellKnownTags.Error))
        {
            tags.Add(KeyValue.Bool(WellKnownTags.Error, true));
        }
        else if (status == SpanRows.StatusOk && !Has(tags, "otel.status_code"))
        {
            tags.Add(KeyValue.String("otel.status_code", "OK"));
        }

        if (statusMessage.Length > 0 && !Has(tags, "otel.status_description"))
        {
            tags.Add(KeyValue.String("otel.status_description", statusMessage));
        }

        var scopeName = row.GetString(46);
        var scopeVersion = row.GetString(47);
        if (scopeName.Length > 0)
        {
            tags.Add(KeyValue.String(SpanRows.ScopeNameKey, scopeName));
        }

        if (scopeVersion.Length > 0)
        {
            tags.Add(KeyValue.String(SpanRows.ScopeVersionKey, scopeVersion));
        }

        // Events: the name is the "event" field, then the typed attributes.
        var eventNames = Strings(row.GetValue(19));
        var eventTimes = Longs(row.GetValue(20));
        var eventColumns = new Array[10];
        for (var c = 0; c < 10; c++)
        {
            eventColumns[c] = (Array)row.GetValue(21 + c);
        }

        var logs = ImmutableArray.CreateBuilder<Log>(eventNames.Length);
        for (var i = 0; i < eventNames.Length; i++)
        {
            var fields = ImmutableArray.CreateBuilder<KeyValue>();
            if (eventNames[i].Length > 0)
            {
                fields.Add(KeyValue.String(SpanRows.EventKey, eventNames[i]));
            }

            var ignored = ImmutableArray<string>.Empty;
            AddTyped(fields, eventColumns[0].GetValue(i)!, eventColumns[1].GetValue(i)!, eventColumns[2].GetValue(i)!, eventColumns[3].GetValue(i)!,
                eventColumns[4].GetValue(i)!, eventColumns[5].GetValue(i)!, eventColumns[6].GetValue(i)!, eventColumns[7].GetValue(i)!,
                eventColumns[8].GetValue(i)!, eventColumns[9].GetValue(i)!, ref ignored);
            logs.Add(new Log(eventTimes[i] / 1000, fields.DrainToImmutable()));
        }

        var traceId = TraceId.Parse(row.GetString(1));
        var parentText = row.GetString(2);
        var parent = parentText.Length == 0 ? default : SpanId.Parse(parentText);
        var linkTraces = Strings(row.GetValue(31));
        var linkSpans = Strings(row.GetValue(32));
        var linkKeys = (Array)row.GetValue(33);
        var linkValues = (Array)row.GetValue(34);
        var references = ImmutableArray.CreateBuilder<SpanRef>(linkTraces.Length + 1);
        var parentAmongLinks = false;
        for (var i = 0; i < linkTraces.Length; i++)
        {
            var keys = Strings(linkKeys.GetValue(i)!);
            var values = Strings(linkValues.GetValue(i)!);
            var refType = SpanRefType.FollowsFrom;
            for (var k = 0; k < keys.Length; k++)
            {
                if (keys[k] == SpanRows.RefTypeKey)
                {
                    refType = values[k] == "child_of" ? SpanRefType.ChildOf : SpanRefType.FollowsFrom;
                }
            }

            var reference = new SpanRef(TraceId.Parse(linkTraces[i]), linkSpans[i].Length == 0 ? default : SpanId.Parse(linkSpans[i]), refType);
            parentAmongLinks |= reference.TraceId == traceId && reference.SpanId == parent;
            references.Add(reference);
        }

        if (!parent.IsEmpty && !parentAmongLinks)
        {
            references.Insert(0, new SpanRef(traceId, parent, SpanRefType.ChildOf));
        }

        var processTags = ImmutableArray.CreateBuilder<KeyValue>();
        var resourceWarnings = ImmutableArray<string>.Empty;
        AddAttributes(processTags, row, 36, ref resourceWarnings);
        for (var i = processTags.Count - 1; i >= 0; i--)
        {
            if (processTags[i].Key == SpanRows.ServiceNameKey && processTags[i].Type == KeyValueType.String)
            {
                processTags.RemoveAt(i);
                break;
            }
        }

        return new Span
        {
            TraceId = traceId,
            SpanId = SpanId.Parse(row.GetString(0)),
            OperationName = row.GetString(3),
            StartTimeMicros = row.GetInt64(5) / 1000,
            DurationMicros = row.GetInt64(8) / 1000,
            Tags = tags.DrainToImmutable(),
            Logs = logs.DrainToImmutable(),
            References = references.DrainToImmutable(),
            Flags = (SpanFlags)Convert.ToUInt32(row.GetValue(48), System.Globalization.CultureInfo.InvariantCulture),
            Process = new Process(row.GetString(35), processTags.DrainToImmutable()),
            Warnings = warnings,
        };
    }

    private static bool Has(ImmutableArray<KeyValue>.Builder tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return true;
            }
        }

        return false;
    }

    private static void AddAttributes(ImmutableArray<KeyValue>.Builder tags, ClickHouseDataReader row, int first, ref ImmutableArray<string> warnings) =>
        AddTyped(tags, row.GetValue(first), row.GetValue(first + 1), row.GetValue(first + 2), row.GetValue(first + 3), row.GetValue(first + 4),
            row.GetValue(first + 5), row.GetValue(first + 6), row.GetValue(first + 7), row.GetValue(first + 8), row.GetValue(first + 9), ref warnings);

    private static void AddTyped(
        ImmutableArray<KeyValue>.Builder tags,
        object boolKeys, object boolValues, object doubleKeys, object doubleValues, object intKeys, object intValues,
        object strKeys, object strValues, object complexKeys, object complexValues, ref ImmutableArray<string> warnings)
    {
        var keys = Strings(boolKeys);
        var bools = (Array)boolValues;
        for (var i = 0; i < keys.Length; i++)
        {
            tags.Add(KeyValue.Bool(keys[i], Convert.ToBoolean(bools.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)));
        }

        keys = Strings(doubleKeys);
        var doubles = (Array)doubleValues;
        for (var i = 0; i < keys.Length; i++)
        {
            tags.Add(KeyValue.Float64(keys[i], Convert.ToDouble(doubles.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)));
        }

        keys = Strings(intKeys);
        var ints = (Array)intValues;
        for (var i = 0; i < keys.Length; i++)
        {
            tags.Add(KeyValue.Int64(keys[i], Convert.ToInt64(ints.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)));
        }

        keys = Strings(strKeys);
        var strings = Strings(strValues);
        for (var i = 0; i < keys.Length; i++)
        {
            tags.Add(KeyValue.String(keys[i], strings[i]));
        }

        keys = Strings(complexKeys);
        strings = Strings(complexValues);
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            if (key.StartsWith(SpanRows.BytesPrefix, StringComparison.Ordinal))
            {
                tags.Add(KeyValue.Binary(key[SpanRows.BytesPrefix.Length..], Convert.FromBase64String(strings[i])));
            }
            else if (key == SpanRows.SlicePrefix + SpanRows.WarningsKey)
            {
                warnings = [.. JsonSerializer.Deserialize(strings[i], SpanRowsJson.Default.StringArray) ?? []];
            }
            else
            {
                // Slices and maps (written by OTLP clients) come back as their JSON text under the bare key.
                var at = key.IndexOf('@', 1);
                tags.Add(KeyValue.String(key.StartsWith('@') && at > 0 ? key[(at + 1)..] : key, strings[i]));
            }
        }
    }

    internal static string[] Strings(object value) => value switch
    {
        string[] strings => strings,
        Array array => ConvertArray(array, static o => (string)o!),
        _ => [],
    };

    internal static long[] Longs(object value) => value switch
    {
        long[] longs => longs,
        Array array => ConvertArray(array, static o => Convert.ToInt64(o, System.Globalization.CultureInfo.InvariantCulture)),
        _ => [],
    };

    private static T[] ConvertArray<T>(Array array, Func<object?, T> convert)
    {
        var result = new T[array.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = convert(array.GetValue(i));
        }

        return result;
    }
}

using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Jaeger's Cassandra data model (<c>spanstore/dbmodel</c>) on the reading side: rows of the traces table back to
/// spans, plus what reader and writer share (trace id bytes, span hash, a tag's index text). The writing side, spans
/// to encoded rows, is <see cref="SpanStatementEncoder"/>.
/// </summary>
internal sealed class SpanRows(JaegerUdts udts)
{
    public const string WarningPrefix = "$$span.warning.";

    public JaegerUdts Udts { get; } = udts;

    public static byte[] TraceIdBytes(TraceId id)
    {
        var bytes = new byte[16];
        id.WriteBytes(bytes);
        return bytes;
    }

    /// <summary>A stable 64-bit hash of the span standing in for Jaeger's span_hash (Jaeger hashes Go's gob encoding, which cannot be reproduced); readers never select it.</summary>
    /// <remarks>FNV-1a 64 over trace id, span id, start, duration (big-endian), then the UTF-8 of operation and service name.</remarks>
    public static long SpanHash(Span span)
    {
        Span<byte> buffer = stackalloc byte[40];
        span.TraceId.WriteBytes(buffer);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(buffer[16..], span.SpanId.Value);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buffer[24..], span.StartTimeMicros);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buffer[32..], span.DurationMicros);
        var hash = Fnv1a(0xcbf29ce484222325UL, buffer);
        hash = Fnv1aUtf8(hash, span.OperationName);
        hash = Fnv1aUtf8(hash, span.Process.ServiceName);
        return unchecked((long)hash);
    }

    private static ulong Fnv1a(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * 0x100000001b3UL);
        }

        return hash;
    }

    /// <summary>FNV-1a over the UTF-8 of <paramref name="text"/> (invalid UTF-16 replaced as <see cref="Encoding.UTF8"/> does), encoded in stack chunks.</summary>
    private static ulong Fnv1aUtf8(ulong hash, ReadOnlySpan<char> text)
    {
        Span<byte> chunk = stackalloc byte[256];
        while (!text.IsEmpty)
        {
            System.Text.Unicode.Utf8.FromUtf16(text, chunk, out var read, out var written);
            hash = Fnv1a(hash, chunk[..written]);
            text = text[read..];
        }

        return hash;
    }

    /// <summary>Jaeger's <c>AsString</c> of a tag value, as the tag index stores it.</summary>
    public static string TagValueText(KeyValue tag) => tag.Type switch
    {
        KeyValueType.String => tag.StringValue,
        KeyValueType.Bool => tag.BoolValue ? "true" : "false",
        KeyValueType.Int64 => tag.Int64Value.ToString(CultureInfo.InvariantCulture),
        KeyValueType.Float64 => GoFloat.FormatG10(tag.Float64Value),
        _ => Convert.ToHexStringLower(tag.BinaryValue.Span),
    };

    /// <summary>A span from a row of <c>SELECT trace_id, span_id, parent_id, operation_name, flags, start_time, duration, tags, logs, refs, process FROM traces</c>.</summary>
    public static Span ReadSpan(CqlRows rows, int row)
    {
        var traceIdBytes = rows.Cell(row, 0);
        if (traceIdBytes.Length != 16 || !TraceId.TryReadBytes(traceIdBytes, out var traceId))
        {
            throw new FormatException($"A trace_id of {traceIdBytes.Length} bytes; Jaeger's are 16.");
        }

        var span = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(unchecked((ulong)(rows.Get(row, 1) as long? ?? 0))),
            OperationName = rows.Get(row, 3) as string ?? string.Empty,
            Flags = (SpanFlags)(rows.Get(row, 4) as int? ?? 0),
            StartTimeMicros = rows.Get(row, 5) as long? ?? 0,
            DurationMicros = rows.Get(row, 6) as long? ?? 0,
        };

        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        var warnings = ImmutableArray.CreateBuilder<string>();
        foreach (var tag in ReadKeyValues(rows.Get(row, 7)))
        {
            if (tag.Key.StartsWith(WarningPrefix, StringComparison.Ordinal))
            {
                warnings.Add(tag.ValueAsString());
            }
            else
            {
                tags.Add(tag);
            }
        }

        span.Tags = tags.ToImmutable();
        span.Warnings = warnings.ToImmutable();

        var logs = ImmutableArray.CreateBuilder<Log>();
        foreach (var item in rows.Get(row, 8) as List<object?> ?? [])
        {
            if (item is CqlUdtValue log)
            {
                logs.Add(new Log(log["ts"] as long? ?? 0, [.. ReadKeyValues(log["fields"])]));
            }
        }

        span.Logs = logs.ToImmutable();

        var refs = ImmutableArray.CreateBuilder<SpanRef>();
        foreach (var item in rows.Get(row, 9) as List<object?> ?? [])
        {
            if (item is not CqlUdtValue reference)
            {
                continue;
            }

            var type = (reference["ref_type"] as string) switch
            {
                "child-of" => SpanRefType.ChildOf,
                "follows-from" => SpanRefType.FollowsFrom,
                var other => throw new FormatException($"Unknown span reference type '{other}'."),
            };
            TraceId.TryReadBytes(reference["trace_id"] as byte[] ?? [], out var refTrace);
            refs.Add(new SpanRef(refTrace, new SpanId(unchecked((ulong)(reference["span_id"] as long? ?? 0))), type));
        }

        // A non-zero parent_id (old writers) becomes a leading CHILD_OF unless already referenced.
        var parent = unchecked((ulong)(rows.Get(row, 2) as long? ?? 0));
        if (parent != 0 && !refs.Any(r => r.TraceId == traceId && r.SpanId.Value == parent))
        {
            refs.Insert(0, new SpanRef(traceId, new SpanId(parent), SpanRefType.ChildOf));
        }

        span.References = refs.ToImmutable();

        var process = rows.Get(row, 10) as CqlUdtValue;
        span.Process = new Process(process?["service_name"] as string ?? string.Empty, [.. ReadKeyValues(process?["tags"])]);
        return span;
    }

    private static IEnumerable<KeyValue> ReadKeyValues(object? list)
    {
        foreach (var item in list as List<object?> ?? [])
        {
            if (item is not CqlUdtValue kv)
            {
                continue;
            }

            var key = kv["key"] as string ?? string.Empty;
            yield return (kv["value_type"] as string) switch
            {
                "string" => Model.KeyValue.String(key, kv["value_string"] as string ?? string.Empty),
                "bool" => Model.KeyValue.Bool(key, kv["value_bool"] as bool? ?? false),
                "int64" => Model.KeyValue.Int64(key, kv["value_long"] as long? ?? 0),
                "float64" => Model.KeyValue.Float64(key, kv["value_double"] as double? ?? 0),
                "binary" => Model.KeyValue.Binary(key, kv["value_binary"] as byte[] ?? []),
                var other => throw new FormatException($"Unknown keyvalue value_type '{other}' for key '{key}'."),
            };
        }
    }
}

using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using Jaeger.Model;
using Microsoft.Extensions.Logging;

namespace Jaeger.Collector.Pipeline;

/// <summary>Repairs one problem of a span in place and leaves a warning on it.</summary>
internal interface ISpanSanitizer
{
    void Sanitize(Span span);
}

/// <summary>An empty service name becomes "unknown-service-name".</summary>
internal sealed partial class ServiceNameSanitizer(ILogger<ServiceNameSanitizer> logger) : ISpanSanitizer
{
    public const string UnknownServiceName = "unknown-service-name";

    // One replacement process per original, so spans of one batch keep sharing one instance.
    private readonly ConditionalWeakTable<Process, Process> _replacements = [];

    public void Sanitize(Span span)
    {
        if (!string.IsNullOrWhiteSpace(span.Process.ServiceName))
        {
            return;
        }

        span.Process = _replacements.GetValue(span.Process, static original => new Process(UnknownServiceName, original.Tags));
        span.Warnings = span.Warnings.Add("the span had an empty service name; stored as " + UnknownServiceName);
        LogEmptyService(logger, span.TraceId.ToString(), span.SpanId.ToString());
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Span {TraceId}:{SpanId} has an empty service name; stored as unknown-service-name.")]
    private static partial void LogEmptyService(ILogger logger, string traceId, string spanId);
}

/// <summary>Strings that are not valid Unicode (lone surrogates from a bad UTF-8 decode) get U+FFFD in place of the bad code units.</summary>
internal sealed class Utf8Sanitizer : ISpanSanitizer
{
    public void Sanitize(Span span)
    {
        var changed = false;
        if (NeedsRepair(span.OperationName))
        {
            span.OperationName = Repair(span.OperationName);
            changed = true;
        }

        var tags = span.Tags;
        ImmutableArray<KeyValue>.Builder? builder = null;
        for (var i = 0; i < tags.Length; i++)
        {
            var tag = tags[i];
            var badKey = NeedsRepair(tag.Key);
            var badValue = tag.Type == KeyValueType.String && NeedsRepair(tag.StringValue);
            if (badKey || badValue)
            {
                builder ??= tags.ToBuilder();
                var key = badKey ? Repair(tag.Key) : tag.Key;
                builder[i] = tag.Type == KeyValueType.String ? KeyValue.String(key, badValue ? Repair(tag.StringValue) : tag.StringValue) : Rekey(tag, key);
            }
        }

        if (builder is not null)
        {
            span.Tags = builder.MoveToImmutable();
            changed = true;
        }

        if (changed)
        {
            span.Warnings = span.Warnings.Add("invalid UTF-8 in the operation name or tags was replaced with U+FFFD");
        }
    }

    // A vectorized scan for any surrogate first; only then the full check (valid pairs are common in emoji).
    internal static bool NeedsRepair(string text) => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0 && !IsValid(text);

    private static bool IsValid(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Repair(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[i + 1]);
                i++;
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    private static KeyValue Rekey(KeyValue tag, string key) => tag.Type switch
    {
        KeyValueType.Bool => KeyValue.Bool(key, tag.BoolValue),
        KeyValueType.Int64 => KeyValue.Int64(key, tag.Int64Value),
        KeyValueType.Float64 => KeyValue.Float64(key, tag.Float64Value),
        KeyValueType.Binary => KeyValue.Binary(key, tag.BinaryValue.ToArray()),
        _ => KeyValue.String(key, tag.StringValue),
    };
}

/// <summary>Negative durations become 0 and absurdly long ones are clamped, with a warning.</summary>
internal sealed partial class DurationSanitizer(long maxDurationMicros, ILogger<DurationSanitizer> logger) : ISpanSanitizer
{
    public void Sanitize(Span span)
    {
        var duration = span.DurationMicros;
        if (duration < 0)
        {
            span.DurationMicros = 0;
            span.Warnings = span.Warnings.Add($"negative duration {duration} µs was set to 0");
            LogClamped(logger, span.TraceId.ToString(), span.SpanId.ToString(), duration, 0);
        }
        else if (duration > maxDurationMicros)
        {
            span.DurationMicros = maxDurationMicros;
            span.Warnings = span.Warnings.Add($"duration {duration} µs exceeded the maximum and was clamped to {maxDurationMicros} µs");
            LogClamped(logger, span.TraceId.ToString(), span.SpanId.ToString(), duration, maxDurationMicros);
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Span {TraceId}:{SpanId} had duration {Duration} µs; stored as {Clamped} µs.")]
    private static partial void LogClamped(ILogger logger, string traceId, string spanId, long duration, long clamped);
}

/// <summary>String and binary tag values longer than the limit are truncated, with a warning.</summary>
internal sealed partial class TagSizeSanitizer(int maxLength, ILogger<TagSizeSanitizer> logger) : ISpanSanitizer
{
    public void Sanitize(Span span)
    {
        var tags = span.Tags;
        ImmutableArray<KeyValue>.Builder? builder = null;
        for (var i = 0; i < tags.Length; i++)
        {
            var tag = tags[i];
            if (tag.Type == KeyValueType.String && tag.StringValue.Length > maxLength)
            {
                builder ??= tags.ToBuilder();
                var cut = maxLength;
                if (char.IsHighSurrogate(tag.StringValue[cut - 1]))
                {
                    cut--;
                }

                builder[i] = KeyValue.String(tag.Key, tag.StringValue[..cut]);
                Warn(span, tag.Key, tag.StringValue.Length);
            }
            else if (tag.Type == KeyValueType.Binary && tag.BinaryValue.Length > maxLength)
            {
                builder ??= tags.ToBuilder();
                builder[i] = KeyValue.Binary(tag.Key, tag.BinaryValue[..maxLength].ToArray());
                Warn(span, tag.Key, tag.BinaryValue.Length);
            }
        }

        if (builder is not null)
        {
            span.Tags = builder.MoveToImmutable();
        }
    }

    private void Warn(Span span, string key, int length)
    {
        span.Warnings = span.Warnings.Add($"tag '{key}' value of length {length} was truncated to {maxLength}");
        LogTruncated(logger, span.TraceId.ToString(), span.SpanId.ToString(), key, length);
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Span {TraceId}:{SpanId}: tag {Key} of length {Length} was truncated.")]
    private static partial void LogTruncated(ILogger logger, string traceId, string spanId, string key, int length);
}

/// <summary>Adds the configured collector tags to every process, skipping pairs already there, then sorts the tags by key (as Jaeger does).</summary>
internal sealed class CollectorTagsSanitizer(IReadOnlyDictionary<string, string> tags) : ISpanSanitizer
{
    private readonly ConditionalWeakTable<Process, Process> _tagged = [];

    public void Sanitize(Span span) => span.Process = _tagged.GetValue(span.Process, AddTags);

    private Process AddTags(Process process)
    {
        var builder = process.Tags.ToBuilder();
        foreach (var (key, value) in tags)
        {
            var present = false;
            foreach (var tag in process.Tags)
            {
                if (tag.Key == key && tag.ValueEquals(value))
                {
                    present = true;
                    break;
                }
            }

            if (!present)
            {
                builder.Add(KeyValue.String(key, value));
            }
        }

        builder.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new Process(process.ServiceName, builder.ToImmutable());
    }
}

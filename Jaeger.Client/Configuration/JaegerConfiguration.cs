using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Jaeger.Client.Configuration;

/// <summary>Reads the Jaeger clients' JAEGER_* settings from an <see cref="IConfiguration"/> (environment variables arrive with the same names).</summary>
internal static class JaegerConfiguration
{
    public static void Apply(IConfiguration configuration, JaegerTracingOptions options)
    {
        var section = configuration.GetSection(JaegerTracingOptions.SectionName);
        ApplyProperties(section, options);
        ApplyEnvironmentNames(section, options);
        ApplyEnvironmentNames(configuration, options);
    }

    private static void ApplyProperties(IConfiguration section, JaegerTracingOptions options)
    {
        foreach (var property in typeof(JaegerTracingOptions).GetProperties())
        {
            var value = section[property.Name];
            if (value is null || !property.CanWrite)
            {
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object? parsed = type == typeof(string) ? value
                : type == typeof(bool) ? ParseBool(value)
                : type == typeof(int) ? ParseInt(value)
                : type == typeof(double) ? ParseDouble(value)
                : type == typeof(TimeSpan) ? ParseDuration(value, millisecondsByDefault: false)
                : null;
            if (parsed is null)
            {
                options.ConfigurationErrors.Add($"{JaegerTracingOptions.SectionName}:{property.Name}: '{value}' is not a valid {type.Name}.");
                continue;
            }

            property.SetValue(options, parsed);
        }

        foreach (var tag in section.GetSection(nameof(JaegerTracingOptions.Tags)).GetChildren())
        {
            if (tag.Value is not null)
            {
                options.Tags[tag.Key] = tag.Value;
            }
        }

        foreach (var source in section.GetSection(nameof(JaegerTracingOptions.ActivitySources)).GetChildren())
        {
            if (!string.IsNullOrEmpty(source.Value))
            {
                options.ActivitySources.Add(source.Value);
            }
        }
    }

    private static void ApplyEnvironmentNames(IConfiguration c, JaegerTracingOptions o)
    {
        Str(c, "JAEGER_SERVICE_NAME", v => o.ServiceName = v);
        Bool(c, "JAEGER_DISABLED", o, v => o.Disabled = v);
        Str(c, "JAEGER_AGENT_HOST", v => o.AgentHost = v);
        Int(c, "JAEGER_AGENT_PORT", o, v => o.AgentPort = v);
        Str(c, "JAEGER_ENDPOINT", v => o.Endpoint = v);
        Str(c, "JAEGER_AUTH_TOKEN", v => o.AuthToken = v);
        Str(c, "JAEGER_USER", v => o.User = v);
        Str(c, "JAEGER_PASSWORD", v => o.Password = v);
        Str(c, "JAEGER_SENDER_FACTORY", v => o.SenderFactory = v);
        Str(c, "JAEGER_GRPC_TARGET", v => o.GrpcTarget = v);
        Str(c, "JAEGER_GRPC_ROOT_CERTIFICATE", v => o.GrpcRootCertificate = v);
        Str(c, "JAEGER_GRPC_CLIENT_CHAIN", v => o.GrpcClientChain = v);
        Str(c, "JAEGER_GRPC_CLIENT_KEY", v => o.GrpcClientKey = v);
        Bool(c, "JAEGER_REPORTER_LOG_SPANS", o, v => o.LogSpans = v);
        Int(c, "JAEGER_REPORTER_MAX_QUEUE_SIZE", o, v => o.MaxQueueSize = v);
        Duration(c, "JAEGER_REPORTER_FLUSH_INTERVAL", o, v => o.FlushInterval = v);
        Bool(c, "JAEGER_REPORTER_ATTEMPT_RECONNECTING_DISABLED", o, v => o.DisableAttemptReconnecting = v);
        Duration(c, "JAEGER_REPORTER_ATTEMPT_RECONNECT_INTERVAL", o, v => o.AttemptReconnectInterval = v);
        Str(c, "JAEGER_SAMPLER_TYPE", v => o.SamplerType = v);
        Double(c, "JAEGER_SAMPLER_PARAM", o, v => o.SamplerParam = v);
        Str(c, "JAEGER_SAMPLER_MANAGER_HOST_PORT", v => o.SamplingEndpoint = "http://" + v + "/sampling");
        Str(c, "JAEGER_SAMPLING_ENDPOINT", v => o.SamplingEndpoint = v);
        Duration(c, "JAEGER_SAMPLER_REFRESH_INTERVAL", o, v => o.SamplerRefreshInterval = v);
        Int(c, "JAEGER_SAMPLER_MAX_OPERATIONS", o, v => o.SamplerMaxOperations = v);
        Bool(c, "JAEGER_TRACEID_128BIT", o, v => o.TraceId128Bit = v);
        Bool(c, "JAEGER_RPC_METRICS", o, v => o.RpcMetrics = v);
        Str(c, "JAEGER_PROPAGATION", v => o.Propagation = v);
        Str(c, "JAEGER_TAGS", v => ParseTags(v, o));
    }

    public static void ParseTags(string value, JaegerTracingOptions options)
    {
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                options.ConfigurationErrors.Add($"JAEGER_TAGS: '{entry}' is not key=value.");
                continue;
            }

            var tagValue = entry[(eq + 1)..].Trim();
            if (tagValue.StartsWith("${", StringComparison.Ordinal) && tagValue.EndsWith('}'))
            {
                var inner = tagValue[2..^1];
                var colon = inner.IndexOf(':', StringComparison.Ordinal);
                var name = colon < 0 ? inner : inner[..colon];
                tagValue = Environment.GetEnvironmentVariable(name) ?? (colon < 0 ? string.Empty : inner[(colon + 1)..]);
            }

            options.Tags[entry[..eq].Trim()] = tagValue;
        }
    }

    private static void Str(IConfiguration c, string key, Action<string> set)
    {
        var value = c[key];
        if (!string.IsNullOrWhiteSpace(value))
        {
            set(value.Trim());
        }
    }

    private static void Bool(IConfiguration c, string key, JaegerTracingOptions o, Action<bool> set) => Parse(c, key, o, ParseBool, set);

    private static void Int(IConfiguration c, string key, JaegerTracingOptions o, Action<int> set) => Parse(c, key, o, ParseInt, set);

    private static void Double(IConfiguration c, string key, JaegerTracingOptions o, Action<double> set) => Parse(c, key, o, ParseDouble, set);

    private static void Duration(IConfiguration c, string key, JaegerTracingOptions o, Action<TimeSpan> set) =>
        Parse(c, key, o, v => ParseDuration(v, millisecondsByDefault: true), set);

    private static void Parse<T>(IConfiguration c, string key, JaegerTracingOptions o, Func<string, T?> parse, Action<T> set)
        where T : struct
    {
        var value = c[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        if (parse(value.Trim()) is { } parsed)
        {
            set(parsed);
        }
        else
        {
            o.ConfigurationErrors.Add($"{key}: '{value}' is not a valid {typeof(T).Name}.");
        }
    }

    public static bool? ParseBool(string value) => value switch
    {
        "1" => true,
        "0" => false,
        _ => bool.TryParse(value, out var b) ? b : null,
    };

    public static int? ParseInt(string value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    public static double? ParseDouble(string value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>Integer milliseconds (C#/Java clients), Go durations (500ms, 1s, 1m, 1h), or a TimeSpan (00:00:01).</summary>
    public static TimeSpan? ParseDuration(string value, bool millisecondsByDefault)
    {
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return millisecondsByDefault ? TimeSpan.FromMilliseconds(number) : TimeSpan.FromSeconds(number);
        }

        (string Suffix, double Factor)[] units = [("ms", 1), ("us", 0.001), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, factor) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                return TimeSpan.FromMilliseconds(amount * factor);
            }
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) ? span : null;
    }
}

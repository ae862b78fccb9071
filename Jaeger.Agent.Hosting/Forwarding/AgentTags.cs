using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Agent.Hosting.Forwarding;

/// <summary>
/// Jaeger's <c>--agent.tags</c>: "k1=v1,k2=${ENV:default}". A value written as ${NAME:default} is the environment
/// variable NAME, or the default when NAME is unset or empty. Every tag is a string tag.
/// </summary>
internal static class AgentTags
{
    public static bool TryParse(string? text, Func<string, string?> environment, out ImmutableArray<KeyValue> tags, out string error)
    {
        tags = ImmutableArray<KeyValue>.Empty;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var builder = ImmutableArray.CreateBuilder<KeyValue>();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                error = $"'{pair.Trim()}' in AgentTags is not key=value";
                return false;
            }

            var key = pair[..equals].Trim();
            var value = pair[(equals + 1)..].Trim();
            if (key.Length == 0)
            {
                error = $"'{pair.Trim()}' in AgentTags has an empty key";
                return false;
            }

            if (value.StartsWith("${", StringComparison.Ordinal) && value.EndsWith('}'))
            {
                var inner = value[2..^1];
                var colon = inner.IndexOf(':', StringComparison.Ordinal);
                var name = colon < 0 ? inner : inner[..colon];
                var fallback = colon < 0 ? string.Empty : inner[(colon + 1)..];
                var fromEnvironment = environment(name);
                value = string.IsNullOrEmpty(fromEnvironment) ? fallback : fromEnvironment;
            }

            builder.Add(KeyValue.String(key, value));
        }

        tags = builder.ToImmutable();
        return true;
    }

    /// <summary>Returns a batch whose process carries the agent tags after its own; spans are pointed at the new process.</summary>
    public static void Apply(Batch batch, ImmutableArray<KeyValue> agentTags)
    {
        if (agentTags.IsDefaultOrEmpty)
        {
            return;
        }

        var process = new Process(batch.Process.ServiceName, batch.Process.Tags.AddRange(agentTags));
        batch.Process = process;
        foreach (var span in batch.Spans)
        {
            span.Process = process;
        }
    }
}

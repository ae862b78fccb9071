using Jaeger.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Memory;

/// <summary>Settings of the in-memory span store.</summary>
public sealed class InMemoryStorageOptions
{
    /// <summary>
    /// The most traces kept; when a new trace arrives beyond it, the trace that arrived first is removed whole,
    /// with its index entries (first in, first out by arrival, as Jaeger's <c>--memory.max-traces</c>).
    /// 0, the default, keeps every trace.
    /// </summary>
    [Between(0, int.MaxValue)]
    public int MaxTraces { get; set; }

    /// <summary>
    /// How long the collector's per-minute RED aggregates (the Monitor page's figures) are kept; default 1 day.
    /// Memory grows with the distinct service, operation and span-kind triples seen each minute of it.
    /// </summary>
    [DurationBetween("00:01:00", "365.00:00:00")]
    public TimeSpan MetricsRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaxTraces < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTraces), MaxTraces, $"{nameof(InMemoryStorageOptions)}.{nameof(MaxTraces)} must be 0 (unbounded) or positive.");
        }

        if (MetricsRetention < TimeSpan.FromMinutes(1) || MetricsRetention > TimeSpan.FromDays(365))
        {
            throw new ArgumentOutOfRangeException(nameof(MetricsRetention), MetricsRetention, $"{nameof(InMemoryStorageOptions)}.{nameof(MetricsRetention)} must be between 1 minute and 365 days.");
        }
    }

}

/// <summary>Validates <see cref="InMemoryStorageOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class InMemoryStorageOptionsValidator : IValidateOptions<InMemoryStorageOptions>
{
}

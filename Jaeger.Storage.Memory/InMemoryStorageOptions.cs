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

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaxTraces < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTraces), MaxTraces, $"{nameof(InMemoryStorageOptions)}.{nameof(MaxTraces)} must be 0 (unbounded) or positive.");
        }
    }

}

/// <summary>Validates <see cref="InMemoryStorageOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class InMemoryStorageOptionsValidator : IValidateOptions<InMemoryStorageOptions>
{
}

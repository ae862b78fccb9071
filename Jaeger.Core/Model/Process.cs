using System.Collections.Immutable;

namespace Jaeger.Model;

/// <summary>The process that emitted spans: its service name and tags. Immutable, so one instance is shared by the spans of a batch.</summary>
public sealed class Process : IEquatable<Process>
{
    /// <summary>Creates a process.</summary>
    public Process(string serviceName, ImmutableArray<KeyValue> tags = default)
    {
        ServiceName = serviceName ?? throw new ArgumentNullException(nameof(serviceName));
        Tags = tags.IsDefault ? ImmutableArray<KeyValue>.Empty : tags;
    }

    /// <summary>A placeholder process for spans whose process is not known yet.</summary>
    public static Process Unknown { get; } = new("unknown-service");

    /// <summary>The service name.</summary>
    public string ServiceName { get; }

    /// <summary>The process tags (hostname, ip, client version ...).</summary>
    public ImmutableArray<KeyValue> Tags { get; }

    /// <inheritdoc />
    public bool Equals(Process? other) =>
        other is not null && (ReferenceEquals(this, other) ||
            (string.Equals(ServiceName, other.ServiceName, StringComparison.Ordinal) && Tags.AsSpan().SequenceEqual(other.Tags.AsSpan())));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Process);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ServiceName, Tags.Length);

    /// <inheritdoc />
    public override string ToString() => ServiceName;
}

using System.Collections.Immutable;

namespace Jaeger.Model;

/// <summary>A timestamped event inside a span.</summary>
public readonly struct Log : IEquatable<Log>
{
    private readonly ImmutableArray<KeyValue> _fields;

    /// <summary>Creates a log entry.</summary>
    /// <param name="timestampMicros">Microseconds since the Unix epoch.</param>
    /// <param name="fields">The event's fields.</param>
    public Log(long timestampMicros, ImmutableArray<KeyValue> fields)
    {
        TimestampMicros = timestampMicros;
        _fields = fields;
    }

    /// <summary>Microseconds since the Unix epoch.</summary>
    public long TimestampMicros { get; }

    /// <summary>The event's fields.</summary>
    public ImmutableArray<KeyValue> Fields => _fields.IsDefault ? ImmutableArray<KeyValue>.Empty : _fields;

    /// <summary>The timestamp as a date.</summary>
    public DateTimeOffset Timestamp => Time.FromUnixMicros(TimestampMicros);

    /// <inheritdoc />
    public bool Equals(Log other) => TimestampMicros == other.TimestampMicros && Fields.AsSpan().SequenceEqual(other.Fields.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Log other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TimestampMicros, Fields.Length);

    /// <summary>Value equality.</summary>
    public static bool operator ==(Log left, Log right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Log left, Log right) => !left.Equals(right);
}

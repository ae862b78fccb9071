namespace Jaeger.Storage.Filtering;

/// <summary>Filter text that does not parse: <see cref="Exception.Message"/> says why and where, <see cref="Position"/> is the offset.</summary>
public sealed class SpanFilterSyntaxException : FormatException
{
    /// <summary>Creates the exception for an error at <paramref name="position"/>.</summary>
    public SpanFilterSyntaxException(string reason, int position)
        : base($"{reason} (at offset {position})")
    {
        Reason = reason;
        Position = position;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>The zero-based offset in the filter text where the problem is.</summary>
    public int Position { get; }
}

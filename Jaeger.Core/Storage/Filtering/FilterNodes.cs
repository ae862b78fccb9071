using System.Globalization;
using System.Text;
using Jaeger.Model;

namespace Jaeger.Storage.Filtering;

/// <summary>
/// A node of a parsed <see cref="SpanFilter"/>: a boolean condition on one span and its process. Nodes compare by
/// structure, so two parses of equivalent text are equal. Backends that translate filters into their own query
/// language walk these nodes; the ones that evaluate in process call <see cref="SpanFilter.Matches(Span)"/>.
/// </summary>
public abstract record FilterNode
{
    private protected FilterNode()
    {
    }

    /// <summary>True when the condition holds on <paramref name="span"/> (its tags, its process's tags and its log fields).</summary>
    public abstract bool Matches(Span span);

    /// <summary>The node as filter text that parses back to an equal node.</summary>
    public sealed override string ToString()
    {
        var builder = new StringBuilder();
        Format(builder);
        return builder.ToString();
    }

    internal abstract void Format(StringBuilder builder);
}

/// <summary>Both conditions hold on the same span.</summary>
/// <param name="Left">The first condition.</param>
/// <param name="Right">The second condition.</param>
public sealed record AndFilter(FilterNode Left, FilterNode Right) : FilterNode
{
    /// <inheritdoc />
    public override bool Matches(Span span) => Left.Matches(span) && Right.Matches(span);

    internal override void Format(StringBuilder builder) => FormatBinary(builder, Left, "AND", Right);

    internal static void FormatBinary(StringBuilder builder, FilterNode left, string keyword, FilterNode right)
    {
        builder.Append('(');
        left.Format(builder);
        builder.Append(' ').Append(keyword).Append(' ');
        right.Format(builder);
        builder.Append(')');
    }
}

/// <summary>At least one of the conditions holds on the span.</summary>
/// <param name="Left">The first condition.</param>
/// <param name="Right">The second condition.</param>
public sealed record OrFilter(FilterNode Left, FilterNode Right) : FilterNode
{
    /// <inheritdoc />
    public override bool Matches(Span span) => Left.Matches(span) || Right.Matches(span);

    internal override void Format(StringBuilder builder) => AndFilter.FormatBinary(builder, Left, "OR", Right);
}

/// <summary>The condition does not hold on the span (a span without the tag matches <c>NOT key = value</c>).</summary>
/// <param name="Operand">The negated condition.</param>
public sealed record NotFilter(FilterNode Operand) : FilterNode
{
    /// <inheritdoc />
    public override bool Matches(Span span) => !Operand.Matches(span);

    internal override void Format(StringBuilder builder)
    {
        builder.Append("NOT ");
        Operand.Format(builder);
    }
}

/// <summary>The span, its process or one of its logs carries a tag with this key, whatever its value.</summary>
/// <param name="Key">The tag key.</param>
public sealed record ExistsFilter(string Key) : FilterNode
{
    /// <inheritdoc />
    public override bool Matches(Span span)
    {
        ArgumentNullException.ThrowIfNull(span);
        foreach (var tag in span.Tags)
        {
            if (string.Equals(tag.Key, Key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var tag in span.Process.Tags)
        {
            if (string.Equals(tag.Key, Key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var log in span.Logs)
        {
            foreach (var field in log.Fields)
            {
                if (string.Equals(field.Key, Key, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal override void Format(StringBuilder builder)
    {
        builder.Append("exists ");
        FilterField.FormatKey(builder, Key);
    }
}

/// <summary>
/// A field compared with a value. On a tag the comparison holds when one occurrence of the key (span tag, process
/// tag or log field) satisfies it; a span without the key never satisfies a comparison, <c>!=</c> included.
/// </summary>
/// <param name="Field">What is compared.</param>
/// <param name="Operator">How.</param>
/// <param name="Value">With what.</param>
public sealed record ComparisonFilter(FilterField Field, FilterOperator Operator, FilterValue Value) : FilterNode
{
    /// <inheritdoc />
    public override bool Matches(Span span)
    {
        ArgumentNullException.ThrowIfNull(span);
        switch (Field.Kind)
        {
            case FilterFieldKind.Service:
                return CompareText(span.Process.ServiceName);
            case FilterFieldKind.Operation:
                return CompareText(span.OperationName);
            case FilterFieldKind.Duration:
                return Holds(((Int128)span.DurationMicros * 1000).CompareTo((Int128)Value.DurationNanoseconds));
        }

        foreach (var tag in span.Tags)
        {
            if (MatchesTag(tag))
            {
                return true;
            }
        }

        foreach (var tag in span.Process.Tags)
        {
            if (MatchesTag(tag))
            {
                return true;
            }
        }

        foreach (var log in span.Logs)
        {
            foreach (var field in log.Fields)
            {
                if (MatchesTag(field))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal override void Format(StringBuilder builder)
    {
        Field.Format(builder);
        builder.Append(' ').Append(FilterOperators.Text(Operator)).Append(' ');
        Value.Format(builder);
    }

    private bool CompareText(string text) => Operator switch
    {
        FilterOperator.Equal => string.Equals(text, Value.Text, StringComparison.Ordinal),
        FilterOperator.NotEqual => !string.Equals(text, Value.Text, StringComparison.Ordinal),
        FilterOperator.StartsWith => text.StartsWith(Value.Text, StringComparison.Ordinal),
        _ => false,
    };

    private bool MatchesTag(in KeyValue tag)
    {
        if (!string.Equals(tag.Key, Field.Key, StringComparison.Ordinal))
        {
            return false;
        }

        switch (Operator)
        {
            case FilterOperator.StartsWith:
                return tag.Type == KeyValueType.String && tag.StringValue.StartsWith(Value.Text, StringComparison.Ordinal);
            case FilterOperator.Equal:
                return TryCompareNumber(tag, out var order) ? order == 0 : tag.ValueEquals(Value.Text);
            case FilterOperator.NotEqual:
                return TryCompareNumber(tag, out order) ? order != 0 : !tag.ValueEquals(Value.Text);
            default:
                return TryCompareNumber(tag, out order) && Holds(order);
        }
    }

    /// <summary>Compares a numeric tag with a numeric value: int64 exactly with an integer, otherwise as doubles.</summary>
    private bool TryCompareNumber(in KeyValue tag, out int order)
    {
        order = 0;
        if (Value.Kind != FilterValueKind.Number)
        {
            return false;
        }

        switch (tag.Type)
        {
            case KeyValueType.Int64 when Value.Integer is { } integer:
                order = tag.Int64Value.CompareTo(integer);
                return true;
            case KeyValueType.Int64:
                return CompareDoubles(tag.Int64Value, Value.Number, out order);
            case KeyValueType.Float64:
                return CompareDoubles(tag.Float64Value, Value.Number, out order);
            default:
                return false;
        }
    }

    private static bool CompareDoubles(double left, double right, out int order)
    {
        order = left.CompareTo(right);
        return !double.IsNaN(left) && !double.IsNaN(right);
    }

    private bool Holds(int order) => Operator switch
    {
        FilterOperator.Equal => order == 0,
        FilterOperator.NotEqual => order != 0,
        FilterOperator.Less => order < 0,
        FilterOperator.LessOrEqual => order <= 0,
        FilterOperator.Greater => order > 0,
        FilterOperator.GreaterOrEqual => order >= 0,
        _ => false,
    };
}

/// <summary>What a comparison reads from a span.</summary>
public enum FilterFieldKind
{
    /// <summary>A tag of the span, of its process or of one of its logs, by key.</summary>
    Tag,

    /// <summary>The process's service name (the bare word <c>service</c>).</summary>
    Service,

    /// <summary>The span's operation name (the bare word <c>operation</c>).</summary>
    Operation,

    /// <summary>The span's duration (the bare word <c>duration</c>), compared with Go-style durations such as 1.5s.</summary>
    Duration,
}

/// <summary>The left side of a comparison.</summary>
/// <param name="Kind">What is read.</param>
/// <param name="Key">The tag key for <see cref="FilterFieldKind.Tag"/>; the field's word otherwise.</param>
public readonly record struct FilterField(FilterFieldKind Kind, string Key)
{
    /// <summary>A tag by key.</summary>
    public static FilterField Tag(string key) => new(FilterFieldKind.Tag, key);

    /// <summary>The service name.</summary>
    public static FilterField Service { get; } = new(FilterFieldKind.Service, "service");

    /// <summary>The operation name.</summary>
    public static FilterField Operation { get; } = new(FilterFieldKind.Operation, "operation");

    /// <summary>The span duration.</summary>
    public static FilterField Duration { get; } = new(FilterFieldKind.Duration, "duration");

    internal void Format(StringBuilder builder)
    {
        if (Kind == FilterFieldKind.Tag)
        {
            FormatKey(builder, Key);
        }
        else
        {
            builder.Append(Key);
        }
    }

    /// <summary>A tag key bare where it reads back as the same tag, quoted otherwise.</summary>
    internal static void FormatKey(StringBuilder builder, string key)
    {
        if (FilterLexer.IsPlainWord(key) && !FilterLexer.IsReservedWord(key))
        {
            builder.Append(key);
        }
        else
        {
            FilterValue.Quote(builder, key);
        }
    }
}

/// <summary>How a comparison compares.</summary>
public enum FilterOperator
{
    /// <summary><c>=</c>: numerically when both sides are numbers, otherwise as text (Jaeger's tag rendering).</summary>
    Equal,

    /// <summary><c>!=</c>: the key is there with another value.</summary>
    NotEqual,

    /// <summary><c>&lt;</c> on numbers and durations.</summary>
    Less,

    /// <summary><c>&lt;=</c> on numbers and durations.</summary>
    LessOrEqual,

    /// <summary><c>&gt;</c> on numbers and durations.</summary>
    Greater,

    /// <summary><c>&gt;=</c> on numbers and durations.</summary>
    GreaterOrEqual,

    /// <summary><c>startsWith</c>: a string tag, the service or the operation begins with the text.</summary>
    StartsWith,
}

internal static class FilterOperators
{
    public static string Text(FilterOperator op) => op switch
    {
        FilterOperator.Equal => "=",
        FilterOperator.NotEqual => "!=",
        FilterOperator.Less => "<",
        FilterOperator.LessOrEqual => "<=",
        FilterOperator.Greater => ">",
        FilterOperator.GreaterOrEqual => ">=",
        _ => "startsWith",
    };

    public static bool IsOrdering(FilterOperator op) => op is FilterOperator.Less or FilterOperator.LessOrEqual or FilterOperator.Greater or FilterOperator.GreaterOrEqual;
}

/// <summary>The kind of a literal, from how it was written.</summary>
public enum FilterValueKind
{
    /// <summary>A quoted string, or a bare word that is neither a number nor a duration.</summary>
    String,

    /// <summary>A bare decimal number such as 500, -2 or 72.5.</summary>
    Number,

    /// <summary>A bare Go-style duration such as 1.5s, 250ms or 1h30m.</summary>
    Duration,
}

/// <summary>The right side of a comparison: its text as written and what it reads as.</summary>
public sealed record FilterValue
{
    private FilterValue(FilterValueKind kind, string text, double number, long? integer, long nanoseconds)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Integer = integer;
        DurationNanoseconds = nanoseconds;
    }

    /// <summary>How the literal reads.</summary>
    public FilterValueKind Kind { get; }

    /// <summary>The literal's text (without quotes); compared with tags rendered as text.</summary>
    public string Text { get; }

    /// <summary>The number, for <see cref="FilterValueKind.Number"/>.</summary>
    public double Number { get; }

    /// <summary>The number when it is an integer that fits 64 bits, for exact comparison with int64 tags.</summary>
    public long? Integer { get; }

    /// <summary>The duration in nanoseconds, for <see cref="FilterValueKind.Duration"/> (and the number 0).</summary>
    public long DurationNanoseconds { get; }

    /// <summary>A string literal.</summary>
    public static FilterValue String(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(FilterValueKind.String, text, 0, null, 0);
    }

    /// <summary>Reads a bare word: a number, a duration, or else a string.</summary>
    public static FilterValue FromWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && (char.IsAsciiDigit(word[0]) || (word.Length > 1 && word[0] is '-' or '+' or '.')) &&
            double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            long? integer = long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : null;
            return new(FilterValueKind.Number, word, number, integer, 0);
        }

        return FilterDuration.TryParse(word, out var nanoseconds)
            ? new(FilterValueKind.Duration, word, 0, null, nanoseconds)
            : new(FilterValueKind.String, word, 0, null, 0);
    }

    internal void Format(StringBuilder builder)
    {
        if (Kind == FilterValueKind.String)
        {
            Quote(builder, Text);
        }
        else
        {
            builder.Append(Text);
        }
    }

    internal static void Quote(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"' or '\\':
                    builder.Append('\\').Append(c);
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }
}

using Jaeger.Model;

namespace Jaeger.Storage.Filtering;

/// <summary>
/// A structured search filter, parsed from text such as
/// <c>http.status_code >= 500 AND (service = "api" OR NOT exists retry)</c>. It is evaluated on one span at a
/// time: a trace matches a search when one of its spans satisfies the whole filter (and the search's other
/// conditions), as with Jaeger's tag search.
/// </summary>
/// <remarks>
/// <para>Grammar, loosest first: <c>a OR b</c>, <c>a AND b</c>, <c>NOT a</c>, then <c>( ... )</c>,
/// <c>exists key</c> or <c>key exists</c>, and comparisons <c>field op value</c> with op one of <c>=</c>,
/// <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c> or <c>startsWith</c>. Keywords are
/// case-insensitive.</para>
/// <para>A field is a tag key (looked up in span tags, process tags and log fields; quote it when it holds spaces,
/// operators or is a keyword) or one of the bare words <c>service</c>, <c>operation</c> and <c>duration</c>.
/// A value is a quoted string (<c>\"</c> <c>\\</c> <c>\n</c> <c>\t</c> <c>\r</c> escapes), a number (500, 72.5),
/// a Go duration (1.5s, 250ms, 1h30m) or any other bare word, read as text.</para>
/// <para><c>=</c> compares numerically when the tag is int64 or float64 and the value a number, otherwise as text
/// (tags rendered as Jaeger's tag search renders them: true/false, hex for binary); the ordering operators need a
/// numeric tag and a number, or <c>duration</c> and a duration; <c>startsWith</c> needs a string tag, the service
/// or the operation. A comparison on a tag holds when one occurrence of the key satisfies it, so a span without the
/// key satisfies neither <c>key = v</c> nor <c>key != v</c>, but does satisfy <c>NOT key = v</c>.</para>
/// </remarks>
public sealed class SpanFilter
{
    /// <summary>The longest filter text accepted.</summary>
    public const int MaxLength = 4096;

    /// <summary>The deepest nesting of parentheses and NOTs accepted.</summary>
    public const int MaxDepth = 32;

    private SpanFilter(string text, FilterNode root)
    {
        Text = text;
        Root = root;
    }

    /// <summary>The text the filter was parsed from.</summary>
    public string Text { get; }

    /// <summary>The parsed condition.</summary>
    public FilterNode Root { get; }

    /// <summary>Parses filter text.</summary>
    /// <exception cref="SpanFilterSyntaxException">The text is not a filter; the exception says why and at which offset.</exception>
    public static SpanFilter Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new SpanFilterSyntaxException($"the filter is longer than {MaxLength} characters", MaxLength);
        }

        return new SpanFilter(text, FilterParser.Parse(text));
    }

    /// <summary>Parses filter text; on failure <paramref name="error"/> says why and where.</summary>
    public static bool TryParse(string text, out SpanFilter? filter, out SpanFilterSyntaxException? error)
    {
        try
        {
            filter = Parse(text);
            error = null;
            return true;
        }
        catch (SpanFilterSyntaxException e)
        {
            filter = null;
            error = e;
            return false;
        }
    }

    /// <summary>True when <paramref name="span"/> (with its <see cref="Span.Process"/>) satisfies the filter.</summary>
    public bool Matches(Span span)
    {
        ArgumentNullException.ThrowIfNull(span);
        return Root.Matches(span);
    }

    /// <summary>True when one span of <paramref name="trace"/> satisfies the filter.</summary>
    public bool MatchesAnySpan(Trace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        foreach (var span in trace.Spans)
        {
            if (Root.Matches(span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The filter in canonical form: every AND and OR parenthesized, strings quoted; parses back to an equal <see cref="Root"/>.</summary>
    public override string ToString() => Root.ToString();
}

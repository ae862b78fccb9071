using Jaeger.Model;
using Jaeger.Storage.Filtering;

namespace Jaeger.Core.Tests.Storage.Filtering;

public sealed class SpanFilterTests
{
    private static readonly Span Checkout = new()
    {
        OperationName = "POST /checkout",
        DurationMicros = 1_500_000,
        Tags = [KeyValue.Int64("http.status_code", 503), KeyValue.String("http.url", "/api/cart/7"), KeyValue.Bool("error", true), KeyValue.Float64("ratio", 0.25)],
        Logs = [new Log(1, [KeyValue.String("event", "retry"), KeyValue.Int64("attempt", 3)])],
        Process = new Process("shop", [KeyValue.String("hostname", "web-1"), KeyValue.String("my key", "x")]),
    };

    [Theory]
    [InlineData("http.status_code >= 500", true)]
    [InlineData("http.status_code > 503", false)]
    [InlineData("http.status_code = 503", true)]
    [InlineData("http.status_code = \"503\"", true)]
    [InlineData("http.status_code != 503", false)]
    [InlineData("http.status_code < 503.5", true)]
    [InlineData("ratio <= 0.25 AND ratio > 0.2", true)]
    [InlineData("ratio = 0.250", true)]
    [InlineData("error = true", true)]
    [InlineData("error = false", false)]
    [InlineData("http.url startsWith \"/api/\"", true)]
    [InlineData("http.url startsWith \"/admin\"", false)]
    [InlineData("service = shop AND operation startsWith POST", true)]
    [InlineData("service != shop", false)]
    [InlineData("duration >= 1.5s AND duration < 1501ms", true)]
    [InlineData("duration > 1s500ms", false)]
    [InlineData("duration = 0.025m", true)]
    [InlineData("exists hostname", true)]
    [InlineData("attempt exists AND attempt >= 3", true)]
    [InlineData("\"my key\" = x", true)]
    [InlineData("missing != 1", false)]
    [InlineData("NOT missing = 1", true)]
    [InlineData("NOT (exists missing OR http.status_code < 500)", true)]
    [InlineData("http.status_code = 200 OR event = retry AND hostname = web-1", true)]
    [InlineData("(http.status_code = 200 OR event = retry) AND hostname = web-2", false)]
    [InlineData("not error = true or ratio > 1", false)]
    [InlineData("http.status_code > abc2", false)]
    public void Evaluates_conditions_on_span_process_and_log_tags(string text, bool expected) =>
        Assert.Equal(expected, SafeParse(text)?.Matches(Checkout) ?? false);

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("a = 1 AND", 9, "expected a condition")]
    [InlineData("a = ", 4, "expected a value")]
    [InlineData("(a = 1", 6, "expected ')'")]
    [InlineData("a = 1)", 5, "no matching '('")]
    [InlineData("a == 1", 2, "'=='")]
    [InlineData("a 1", 2, "expected an operator")]
    [InlineData("a > \"x\"", 4, "compares a tag with a number")]
    [InlineData("service < 3", 8, "is text")]
    [InlineData("duration > 5", 11, "duration such as")]
    [InlineData("duration startsWith 1s", 9, "applies to text")]
    [InlineData("a = \"open", 4, "not closed")]
    [InlineData("a = \"\\q\"", 5, "unknown escape")]
    [InlineData("! a = 1", 0, "write NOT")]
    [InlineData("exists (", 7, "needs a tag key")]
    [InlineData("a = 1 b = 2", 6, "expected AND, OR")]
    [InlineData("and = 1", 0, "keyword")]
    public void Reports_what_is_wrong_and_where(string text, int position, string reason)
    {
        var error = Assert.Throws<SpanFilterSyntaxException>(() => SpanFilter.Parse(text));
        Assert.Equal(position, error.Position);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(at offset {position})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_too_long_and_too_deep_filters()
    {
        Assert.Contains("longer than", Assert.Throws<SpanFilterSyntaxException>(() => SpanFilter.Parse(new string(' ', SpanFilter.MaxLength + 1))).Message, StringComparison.Ordinal);
        var deep = new string('(', SpanFilter.MaxDepth + 1) + "a = 1" + new string(')', SpanFilter.MaxDepth + 1);
        Assert.Contains("deeper than", Assert.Throws<SpanFilterSyntaxException>(() => SpanFilter.Parse(deep)).Message, StringComparison.Ordinal);
        var nots = string.Concat(Enumerable.Repeat("NOT ", SpanFilter.MaxDepth + 1)) + "a = 1";
        Assert.Throws<SpanFilterSyntaxException>(() => SpanFilter.Parse(nots));
        Assert.True(SpanFilter.Parse(string.Concat(Enumerable.Repeat("NOT ", SpanFilter.MaxDepth)) + "a = 1").Root is NotFilter);
    }

    [Fact]
    public void Parses_into_a_tree_with_and_binding_tighter_than_or()
    {
        var filter = SpanFilter.Parse("a = 1 OR b exists AND NOT c startsWith \"x y\"");

        var expected = new OrFilter(
            new ComparisonFilter(FilterField.Tag("a"), FilterOperator.Equal, FilterValue.FromWord("1")),
            new AndFilter(new ExistsFilter("b"), new NotFilter(new ComparisonFilter(FilterField.Tag("c"), FilterOperator.StartsWith, FilterValue.String("x y")))));
        Assert.Equal(expected, filter.Root);
        Assert.Equal("(a = 1 OR (exists b AND NOT c startsWith \"x y\"))", filter.ToString());
    }

    [Fact]
    public void Reads_bare_values_as_numbers_durations_or_text()
    {
        Assert.Equal(FilterValueKind.Number, FilterValue.FromWord("-2.5").Kind);
        Assert.Equal(9_007_199_254_740_993, FilterValue.FromWord("9007199254740993").Integer);
        Assert.Equal(5_400_000_000_000, FilterValue.FromWord("1h30m").DurationNanoseconds);
        Assert.Equal(1_500, FilterValue.FromWord("1.5us").DurationNanoseconds);
        Assert.Equal(FilterValueKind.String, FilterValue.FromWord("GET").Kind);
        Assert.Equal(FilterValueKind.String, FilterValue.FromWord("5x").Kind);
        Assert.Equal(FilterValueKind.String, FilterValue.FromWord("NaN").Kind);
    }

    [Fact]
    public void Compares_large_int64_tags_exactly()
    {
        var span = new Span { Tags = [KeyValue.Int64("n", 9_007_199_254_740_993)] };

        Assert.True(SpanFilter.Parse("n = 9007199254740993").Matches(span));
        Assert.False(SpanFilter.Parse("n = 9007199254740992").Matches(span));
        Assert.True(SpanFilter.Parse("n > 9007199254740992").Matches(span));
    }

    private static SpanFilter? SafeParse(string text) => SpanFilter.TryParse(text, out var filter, out _) ? filter : null;
}

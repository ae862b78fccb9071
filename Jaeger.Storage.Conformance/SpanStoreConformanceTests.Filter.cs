using Jaeger.Model;
using Jaeger.Storage.Filtering;

namespace Jaeger.Storage.Conformance;

/// <summary>Structured filter cases: they run when the backend declares <see cref="SearchCapabilities.Filter"/>, and check the refusal otherwise.</summary>
public abstract partial class SpanStoreConformanceTests
{
    [Fact]
    public Task Filter_compares_int64_tags_numerically() =>
        AssertFiltersAsync("s.int > 123 AND where = \"span\"", f => [f.WrongValue]);

    [Fact]
    public Task Filter_equality_matches_typed_tags_by_number_or_text() =>
        AssertFiltersAsync("s.int = 123 AND s.float = 72.50 AND s.bool = true AND where = span", f => [f.SpanTags]);

    [Fact]
    public Task Filter_or_finds_either_side_newest_first() =>
        AssertFiltersAsync("where = \"process\" OR where = \"log\"", f => [f.LogTags, f.ProcessTags]);

    [Fact]
    public Task Filter_not_excludes_what_it_negates() =>
        AssertFiltersAsync("where = \"span\" AND NOT s.int = 124", f => [f.SpanTags]);

    [Fact]
    public Task Filter_reads_span_tags_process_tags_and_log_fields() =>
        AssertFiltersAsync("exists where AND s.float < 72.6 AND s.float > 72.4", f => [f.WrongValue, f.SplitAcrossSpans, f.MultiSpot, f.LogTags, f.ProcessTags, f.SpanTags]);

    [Fact]
    public Task Filter_compares_the_duration_pseudo_field() =>
        AssertFiltersAsync("duration > 5ms OR duration < 1.5ms", f => [f.Short, f.Long]);

    [Fact]
    public Task Filter_matches_string_prefixes() =>
        AssertFiltersAsync("s.str startsWith \"samepl\" AND where startsWith \"mul\"", f => [f.MultiSpot]);

    [Fact]
    public Task Filter_matches_the_operation_pseudo_field() =>
        AssertFiltersAsync("operation = \"op-2\"", f => [f.OtherOp]);

    [Fact]
    public async Task Filter_must_hold_on_one_span_not_across_the_trace()
    {
        await AssertFiltersAsync("where = \"split\" AND (s.str exists OR s.float exists)", f => [f.SplitAcrossSpans]);
        await AssertFiltersAsync("where = \"split\" AND s.str exists AND s.float exists", f => []);
    }

    [Fact]
    public Task Filter_combines_with_tags_and_duration_on_the_same_span() =>
        AssertFindsAsync(
            SearchCapabilities.Filter | SearchCapabilities.TagsWithDuration,
            f => FilterQuery(f, "s.int != 124", tags: new Dictionary<string, string> { ["where"] = "span" }, durationMin: 5000),
            f => [f.SpanTags]);

    /// <summary>Checks a filter search on the fixtures' service and window, or its refusal when the backend lacks the capability.</summary>
    protected Task AssertFiltersAsync(string filter, Func<SearchFixtures, TraceBuilder[]> expected) =>
        AssertFindsAsync(SearchCapabilities.Filter, f => FilterQuery(f, filter), expected);

    private static TraceQueryParameters FilterQuery(SearchFixtures fixtures, string filter, Dictionary<string, string>? tags = null, long? durationMin = null) => new()
    {
        ServiceName = SearchFixtures.Service,
        Tags = tags ?? [],
        Filter = SpanFilter.Parse(filter),
        StartTimeMin = fixtures.WindowStart,
        StartTimeMax = fixtures.WindowEnd,
        DurationMin = durationMin is { } min ? Time.FromMicros(min) : null,
        Limit = 100,
    };
}

using FsCheck.Xunit;
using Jaeger.Model;
using Jaeger.Storage.Filtering;

namespace Jaeger.Core.Tests.Storage.Filtering;

/// <summary>FsCheck properties of the filter language over random trees and random spans (drawn from a seed).</summary>
public sealed class SpanFilterPropertyTests
{
    private static readonly string[] Keys = ["a", "b.c", "http.status_code", "my key", "and", "service", "x\"y", "k\\"];
    private static readonly string[] Words = ["GET", "x y", "", "\"", "a\\b", "line\nbreak", "NOT", "500"];
    private static readonly string[] Numbers = ["0", "1", "-3", "2.5", "500", "9007199254740993"];
    private static readonly string[] Durations = ["1ms", "1.5s", "250us", "1h30m", "0s"];

    [Property(MaxTest = 500)]
    public void Formatting_a_tree_and_parsing_it_back_gives_an_equal_tree(int seed)
    {
        var random = new Random(seed);
        var tree = RandomNode(random, depth: 0);

        var parsed = SpanFilter.Parse(tree.ToString());

        Assert.Equal(tree, parsed.Root);
        Assert.Equal(tree.ToString(), parsed.ToString());
    }

    [Property(MaxTest = 300)]
    public void Operators_follow_boolean_laws_on_any_span(int seed)
    {
        var random = new Random(seed);
        var a = RandomNode(random, depth: 1);
        var b = RandomNode(random, depth: 1);
        for (var i = 0; i < 8; i++)
        {
            var span = RandomSpan(random);
            var x = a.Matches(span);
            var y = b.Matches(span);
            Assert.Equal(x && y, new AndFilter(a, b).Matches(span));
            Assert.Equal(x || y, new OrFilter(a, b).Matches(span));
            Assert.Equal(x, new NotFilter(new NotFilter(a)).Matches(span));

            // De Morgan, through the parser.
            Assert.Equal(SpanFilter.Parse($"NOT ({a} AND {b})").Matches(span), SpanFilter.Parse($"NOT {a} OR NOT {b}").Matches(span));
        }
    }

    [Property(MaxTest = 300)]
    public void A_comparison_on_a_tag_implies_the_tag_exists(int seed)
    {
        var random = new Random(seed);
        var key = Pick(random, Keys);
        var comparison = RandomComparison(random, FilterField.Tag(key));
        for (var i = 0; i < 8; i++)
        {
            var span = RandomSpan(random);
            if (comparison.Matches(span))
            {
                Assert.True(new ExistsFilter(key).Matches(span));
            }
        }
    }

    private static FilterNode RandomNode(Random random, int depth)
    {
        var choice = depth > 3 ? random.Next(2) : random.Next(5);
        return choice switch
        {
            0 => new ExistsFilter(Pick(random, Keys)),
            1 => RandomComparison(random, random.Next(5) switch
            {
                0 => FilterField.Service,
                1 => FilterField.Operation,
                2 => FilterField.Duration,
                _ => FilterField.Tag(Pick(random, Keys)),
            }),
            2 => new AndFilter(RandomNode(random, depth + 1), RandomNode(random, depth + 1)),
            3 => new OrFilter(RandomNode(random, depth + 1), RandomNode(random, depth + 1)),
            _ => new NotFilter(RandomNode(random, depth + 1)),
        };
    }

    private static ComparisonFilter RandomComparison(Random random, FilterField field)
    {
        var operators = Enum.GetValues<FilterOperator>();
        switch (field.Kind)
        {
            case FilterFieldKind.Duration:
                return new ComparisonFilter(field, operators[random.Next(6)], FilterValue.FromWord(Pick(random, Durations)));
            case FilterFieldKind.Service or FilterFieldKind.Operation:
                return new ComparisonFilter(field, random.Next(3) switch { 0 => FilterOperator.Equal, 1 => FilterOperator.NotEqual, _ => FilterOperator.StartsWith }, FilterValue.String(Pick(random, Words)));
        }

        var op = operators[random.Next(operators.Length)];
        if (op is FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.StartsWith && random.Next(2) == 0)
        {
            return new ComparisonFilter(field, op, FilterValue.String(Pick(random, Words)));
        }

        return new ComparisonFilter(field, op, FilterValue.FromWord(Pick(random, Numbers)));
    }

    private static Span RandomSpan(Random random)
    {
        KeyValue Tag() => random.Next(4) switch
        {
            0 => KeyValue.Int64(Pick(random, Keys), long.Parse(Pick(random, ["0", "1", "-3", "500", "9007199254740993"]), System.Globalization.CultureInfo.InvariantCulture)),
            1 => KeyValue.Float64(Pick(random, Keys), random.Next(3) == 0 ? 2.5 : random.NextDouble() * 10),
            2 => KeyValue.Bool(Pick(random, Keys), random.Next(2) == 0),
            _ => KeyValue.String(Pick(random, Keys), Pick(random, Words)),
        };

        return new Span
        {
            OperationName = Pick(random, Words),
            DurationMicros = random.Next(0, 3_000_000),
            Tags = [.. Enumerable.Range(0, random.Next(4)).Select(_ => Tag())],
            Logs = [new Log(0, [.. Enumerable.Range(0, random.Next(3)).Select(_ => Tag())])],
            Process = new Process(Pick(random, Words), [.. Enumerable.Range(0, random.Next(2)).Select(_ => Tag())]),
        };
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}

using Jaeger.Storage.Elasticsearch.Indices;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Index names and the service document id, as Jaeger forms them.</summary>
public sealed class IndexNamesTests
{
    private static readonly DateTimeOffset May3 = new(2024, 5, 3, 23, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Daily_index_is_named_by_the_UTC_day_of_the_span_start()
    {
        var names = new IndexNames(null, "-", hourly: false, useAliases: false, archive: false);

        Assert.Equal("jaeger-span-2024-05-03", names.WriteIndex(IndexKind.Span, May3));
        Assert.Equal("jaeger-span-2024-05-04", names.WriteIndex(IndexKind.Span, new DateTimeOffset(2024, 5, 3, 23, 30, 0, TimeSpan.FromHours(-2))));
        Assert.Equal("jaeger-service-2024-05-03", names.WriteIndex(IndexKind.Service, May3));
        Assert.Equal("jaeger-dependencies-2024-05-03", names.WriteIndex(IndexKind.Dependencies, May3));
        Assert.Equal("jaeger-sampling-2024-05-03", names.WriteIndex(IndexKind.Sampling, May3));
    }

    [Theory]
    [InlineData("prod", "prod-jaeger-span-2024-05-03")]
    [InlineData("prod-", "prod-jaeger-span-2024-05-03")]
    [InlineData("", "jaeger-span-2024-05-03")]
    [InlineData("a.b", "a.b-jaeger-span-2024-05-03")]
    public void Prefix_is_joined_with_a_dash_unless_it_ends_with_one(string prefix, string expected) =>
        Assert.Equal(expected, new IndexNames(prefix, "-", false, false, false).WriteIndex(IndexKind.Span, May3));

    [Fact]
    public void Hourly_layout_applies_to_spans_and_services_only_and_the_date_separator_is_configurable()
    {
        var names = new IndexNames(null, ".", hourly: true, useAliases: false, archive: false);

        Assert.Equal("jaeger-span-2024.05.03.23", names.WriteIndex(IndexKind.Span, May3));
        Assert.Equal("jaeger-service-2024.05.03.23", names.WriteIndex(IndexKind.Service, May3));
        Assert.Equal("jaeger-dependencies-2024.05.03", names.WriteIndex(IndexKind.Dependencies, May3));
    }

    [Fact]
    public void Aliases_and_archive_names_follow_Jaeger()
    {
        Assert.Equal("p-jaeger-span-write", new IndexNames("p", "-", false, true, false).WriteIndex(IndexKind.Span, May3));
        Assert.Equal(["p-jaeger-span-read"], new IndexNames("p", "-", false, true, false).ForRange(IndexKind.Span, May3.AddDays(-3), May3));
        Assert.Equal("jaeger-span-archive", new IndexNames(null, "-", false, false, true).WriteIndex(IndexKind.Span, May3));
        Assert.Equal(["jaeger-span-archive"], new IndexNames(null, "-", false, false, true).ForRange(IndexKind.Span, May3.AddDays(-3), May3));
        Assert.Equal("jaeger-span-archive-write", new IndexNames(null, "-", false, true, true).WriteIndex(IndexKind.Span, May3));
        Assert.Equal("jaeger-span-archive-read", new IndexNames(null, "-", false, true, true).AllForRead(IndexKind.Span));
        Assert.Equal("jaeger-span-*,-jaeger-span-archive*", new IndexNames(null, "-", false, false, false).AllForRead(IndexKind.Span));
    }

    [Fact]
    public void Time_range_lists_every_index_from_the_end_back_to_the_start_newest_first()
    {
        var names = new IndexNames(null, "-", false, false, false);

        Assert.Equal(
            ["jaeger-span-2024-05-03", "jaeger-span-2024-05-02", "jaeger-span-2024-05-01"],
            names.ForRange(IndexKind.Span, new DateTimeOffset(2024, 5, 1, 22, 0, 0, TimeSpan.Zero), May3));
        Assert.Equal(["jaeger-span-2024-05-03"], names.ForRange(IndexKind.Span, May3.AddHours(-1), May3));

        var hourly = new IndexNames(null, "-", true, false, false);
        Assert.Equal(
            ["jaeger-span-2024-05-03-23", "jaeger-span-2024-05-03-22", "jaeger-span-2024-05-03-21"],
            hourly.ForRange(IndexKind.Span, May3.AddHours(-2), May3));
    }

    [Fact]
    public void Dated_index_names_parse_back_to_their_period_and_others_do_not()
    {
        var names = new IndexNames("p", "-", false, false, false);

        Assert.Equal(new DateTimeOffset(2024, 5, 3, 0, 0, 0, TimeSpan.Zero), names.ParseDated(IndexKind.Span, "p-jaeger-span-2024-05-03"));
        Assert.Null(names.ParseDated(IndexKind.Span, "jaeger-span-2024-05-03"));
        Assert.Null(names.ParseDated(IndexKind.Span, "p-jaeger-span-archive"));
        Assert.Null(names.ParseDated(IndexKind.Span, "p-jaeger-span-000001"));
        Assert.Null(names.ParseDated(IndexKind.Service, "p-jaeger-span-2024-05-03"));
    }

    [Theory]
    [InlineData("frontend", "HTTP GET /dispatch", "15441fb455e8c7b6")]
    [InlineData("", "", "cbf29ce484222325")]
    [InlineData("svc", "op", "beeb439ca26071e2")]
    [InlineData("sérvice", "é", "79730e3e3e3d8b59")]
    public void Service_document_id_is_the_unpadded_hex_FNV_1a_64_of_service_then_operation(string service, string operation, string id) =>
        Assert.Equal(id, ServiceOperationCache.Id(service, operation));
}

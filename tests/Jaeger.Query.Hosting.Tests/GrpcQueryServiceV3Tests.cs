using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Otlp = Jaeger.Protos.Otlp.Trace.V1;
using Proto = Jaeger.Protos.ApiV3;

namespace Jaeger.Query.Hosting.Tests;

[Collection(QueryCollection.Name)]
public sealed class GrpcQueryServiceV3Tests(QueryFixture fixture) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{fixture.Services.GetRequiredService<JaegerQuery>().GrpcEndpoint!.Port}");

    private Proto.QueryService.QueryServiceClient Client => new(_channel);

    public void Dispose() => _channel.Dispose();

    private static Timestamp HourAgo => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1));

    private static async Task<List<T>> ReadAllAsync<T>(IAsyncStreamReader<T> stream)
    {
        var items = new List<T>();
        await foreach (var item in stream.ReadAllAsync())
        {
            items.Add(item);
        }

        return items;
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    [Fact]
    public async Task GetTrace_returns_otlp_traces_data_grouped_by_process()
    {
        using var call = Client.GetTrace(new Proto.GetTraceRequest { TraceId = QueryFixture.DispatchTraceId.ToString() });
        var data = Assert.Single(await ReadAllAsync(call.ResponseStream));

        Assert.Equal(["frontend", "customer", "mysql"], data.ResourceSpans.Select(r => r.Resource.Attributes[0].Value.StringValue).ToArray());
        Assert.Equal("service.name", data.ResourceSpans[0].Resource.Attributes[0].Key);
        var root = data.ResourceSpans[0].ScopeSpans[0].Spans[0];
        Assert.Equal("000000000000000000000000000abc01", Hex(root.TraceId));
        Assert.Equal("0000000000000001", Hex(root.SpanId));
        Assert.True(root.ParentSpanId.IsEmpty);
        Assert.Equal(Otlp.Span.Types.SpanKind.Server, root.Kind);
        Assert.Equal((ulong)fixture.BaseMicros * 1000, root.StartTimeUnixNano);
        Assert.Equal((ulong)(fixture.BaseMicros + 200_000) * 1000, root.EndTimeUnixNano);
        Assert.Equal(200, root.Attributes.Single(a => a.Key == "http.status_code").Value.IntValue);
        Assert.DoesNotContain(root.Attributes, a => a.Key == "span.kind");

        var customer = data.ResourceSpans[1].ScopeSpans[0].Spans[0];
        Assert.Equal("0000000000000002", Hex(customer.ParentSpanId));
        Assert.Equal(0.25, customer.Attributes.Single(a => a.Key == "ratio").Value.DoubleValue);
        Assert.False(customer.Attributes.Single(a => a.Key == "cache.hit").Value.BoolValue);
        Assert.Equal(QueryFixture.BinaryValue, customer.Attributes.Single(a => a.Key == "payload").Value.BytesValue.ToByteArray());
        var mysql = data.ResourceSpans[2].ScopeSpans[0].Spans[0];
        var e = Assert.Single(mysql.Events);
        Assert.Equal("query", e.Name);
        Assert.Equal(3, e.Attributes.Single(a => a.Key == "rows").Value.IntValue);

        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var c = Client.GetTrace(new Proto.GetTraceRequest { TraceId = QueryFixture.MissingTraceId.ToString() });
            await ReadAllAsync(c.ResponseStream);
        });
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var c = Client.GetTrace(new Proto.GetTraceRequest { TraceId = "xyz" });
            await ReadAllAsync(c.ResponseStream);
        });
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task FindTraces_streams_one_traces_data_per_trace_and_takes_attributes_and_a_filter()
    {
        using var byAttributes = Client.FindTraces(new Proto.FindTracesRequest
        {
            Query = new Proto.TraceQueryParameters { ServiceName = "frontend", StartTimeMin = HourAgo, Attributes = { ["error"] = "true" } },
        });
        var found = Assert.Single(await ReadAllAsync(byAttributes.ResponseStream));
        Assert.Equal("112233445566778899aabbccddeeff00", Hex(found.ResourceSpans[0].ScopeSpans[0].Spans[0].TraceId));
        Assert.Equal(Otlp.Status.Types.StatusCode.Error, found.ResourceSpans[0].ScopeSpans[0].Spans[0].Status.Code);

        using var byFilter = Client.FindTraces(new Proto.FindTracesRequest
        {
            Query = new Proto.TraceQueryParameters { StartTimeMin = HourAgo, FilterExpression = "service = mysql OR small.number = 42", SearchDepth = 10 },
        });
        var traces = await ReadAllAsync(byFilter.ResponseStream);
        Assert.Equal(
            new[] { QueryFixture.DispatchTraceId, QueryFixture.BadRefTraceId }.Select(id => id.ToString().PadLeft(32, '0')).Order(StringComparer.Ordinal),
            traces.Select(t => Hex(t.ResourceSpans[0].ScopeSpans[0].Spans[0].TraceId)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FindTraceSummaries_streams_summaries()
    {
        using var call = Client.FindTraceSummaries(new Proto.FindTraceSummariesRequest
        {
            Query = new Proto.TraceQueryParameters { ServiceName = "frontend", StartTimeMin = HourAgo, FilterExpression = "http.status_code >= 500" },
        });
        var summary = Assert.Single((await ReadAllAsync(call.ResponseStream)).SelectMany(c => c.Summaries));

        Assert.Equal("112233445566778899aabbccddeeff00", summary.TraceId);
        Assert.Equal("frontend", summary.RootServiceName);
        Assert.Equal("GET /dispatch", summary.RootOperationName);
        Assert.Equal(2, summary.SpanCount);
        Assert.Equal(2, summary.ErrorSpanCount);
        Assert.Equal((ulong)(fixture.BaseMicros + 1_000_000) * 1000, summary.MinStartTimeUnixNano);
        Assert.Equal(["customer", "frontend"], summary.Services.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Bad_searches_are_invalid_argument_naming_the_problem()
    {
        async Task<RpcException> FailAsync(Proto.TraceQueryParameters query) => await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var c = Client.FindTraces(new Proto.FindTracesRequest { Query = query });
            await ReadAllAsync(c.ResponseStream);
        });

        var syntax = await FailAsync(new Proto.TraceQueryParameters { ServiceName = "frontend", FilterExpression = "a = 1 AND" });
        Assert.Equal(StatusCode.InvalidArgument, syntax.StatusCode);
        Assert.Contains("query.filter_expression", syntax.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("(at offset 9)", syntax.Status.Detail, StringComparison.Ordinal);

        // Jaeger's structured Call filter is refused, never dropped.
        var call = await FailAsync(new Proto.TraceQueryParameters { ServiceName = "frontend", Filter = ByteString.CopyFrom(0x0a, 0x02, 0x65, 0x71) });
        Assert.Equal(StatusCode.InvalidArgument, call.StatusCode);
        Assert.Contains("not supported", call.Status.Detail, StringComparison.Ordinal);

        var window = await FailAsync(new Proto.TraceQueryParameters { DurationMin = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)), DurationMax = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) });
        Assert.Equal(StatusCode.InvalidArgument, window.StatusCode);
    }

    [Fact]
    public async Task Services_operations_and_dependencies()
    {
        Assert.Equal(["customer", "frontend", "mysql"], (await Client.GetServicesAsync(new Proto.GetServicesRequest())).Services);
        var operations = await Client.GetOperationsAsync(new Proto.GetOperationsRequest { Service = "frontend", SpanKind = "server" });
        Assert.Equal([("GET /dispatch", "server")], operations.Operations.Select(o => (o.Name, o.SpanKind)).ToArray());
        var noService = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetOperationsAsync(new Proto.GetOperationsRequest()));
        Assert.Equal(StatusCode.InvalidArgument, noService.StatusCode);

        var dependencies = await Client.GetDependenciesAsync(new Proto.GetDependenciesRequest { StartTime = HourAgo, EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) });
        Assert.Contains(dependencies.Dependencies, d => d.Parent == "frontend" && d.Child == "customer" && d.CallCount >= 1);
        Assert.Contains(dependencies.Dependencies, d => d.Parent == "customer" && d.Child == "mysql");
    }
}

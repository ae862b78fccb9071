using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Microsoft.Extensions.DependencyInjection;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Query.Hosting.Tests;

[Collection(QueryCollection.Name)]
public sealed class GrpcQueryServiceTests(QueryFixture fixture) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{fixture.Services.GetRequiredService<JaegerQuery>().GrpcEndpoint!.Port}");

    private Proto.QueryService.QueryServiceClient Client => new(_channel);

    public void Dispose() => _channel.Dispose();

    private static async Task<List<Proto.SpansResponseChunk>> ReadAllAsync(IAsyncStreamReader<Proto.SpansResponseChunk> stream)
    {
        var chunks = new List<Proto.SpansResponseChunk>();
        await foreach (var chunk in stream.ReadAllAsync())
        {
            chunks.Add(chunk);
        }

        return chunks;
    }

    [Fact]
    public async Task GetTrace_streams_the_adjusted_spans_with_their_process()
    {
        using var call = Client.GetTrace(new Proto.GetTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(QueryFixture.SkewTraceId) });
        var spans = (await ReadAllAsync(call.ResponseStream)).SelectMany(c => c.Spans).ToList();
        Assert.Equal(3, spans.Count);
        var child = spans.Single(s => s.OperationName == "/skew");
        Assert.Equal("customer", child.Process.ServiceName);
        Assert.Equal(fixture.BaseMicros + 2_040_000, ApiV2Mapper.ToMicros(child.StartTime));
        Assert.Equal(20_000, child.Duration.ToTimeSpan().Ticks / 10);
        Assert.Contains("adjusted by 540ms", Assert.Single(child.Warnings), StringComparison.Ordinal);
        var reference = Assert.Single(child.References);
        Assert.Equal(Proto.SpanRefType.ChildOf, reference.RefType);
        Assert.Equal(16, reference.TraceId.Length);
        Assert.Equal(8, reference.SpanId.Length);
    }

    [Fact]
    public async Task GetTrace_sends_chunks_of_ten_spans_and_maps_every_tag_type()
    {
        using var call = Client.GetTrace(new Proto.GetTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(QueryFixture.DispatchTraceId) });
        var chunks = await ReadAllAsync(call.ResponseStream);
        Assert.Single(chunks);
        var customer = chunks[0].Spans.Single(s => s.OperationName == "/customer");
        var tags = customer.Tags.ToDictionary(t => t.Key);
        Assert.Equal(QueryFixture.BigInt, tags["big.number"].VInt64);
        Assert.Equal(Proto.ValueType.Int64, tags["big.number"].VType);
        Assert.Equal(QueryFixture.BinaryValue, tags["payload"].VBinary.ToByteArray());
        Assert.Equal(0.25, tags["ratio"].VFloat64);
        Assert.Equal(Proto.ValueType.Bool, tags["cache.hit"].VType);
        Assert.Equal(QueryFixture.XssValue, tags["customer.note"].VStr);
    }

    [Fact]
    public async Task GetTrace_of_missing_or_zero_id_fails_with_not_found_or_invalid_argument()
    {
        using var missing = Client.GetTrace(new Proto.GetTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(QueryFixture.MissingTraceId) });
        var notFound = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(missing.ResponseStream));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        using var zero = Client.GetTrace(new Proto.GetTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(default) });
        var invalid = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(zero.ResponseStream));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
    }

    [Fact]
    public async Task FindTraces_filters_by_service_tags_and_duration()
    {
        var query = new Proto.TraceQueryParameters
        {
            ServiceName = "frontend",
            StartTimeMin = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            DurationMin = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
        };
        query.Tags["http.status_code"] = "500";
        using var call = Client.FindTraces(new Proto.FindTracesRequest { Query = query });
        var spans = (await ReadAllAsync(call.ResponseStream)).SelectMany(c => c.Spans).ToList();
        Assert.Equal(2, spans.Count);
        Assert.All(spans, s => Assert.True(TraceId.TryReadBytes(s.TraceId.Span, out var id) && id == QueryFixture.ErrorTraceId));

        using var bad = Client.FindTraces(new Proto.FindTracesRequest { Query = new Proto.TraceQueryParameters
        {
            ServiceName = "frontend",
            DurationMin = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
            DurationMax = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        } });
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(bad.ResponseStream))).StatusCode);
    }

    [Fact]
    public async Task GetServices_GetOperations_and_GetDependencies()
    {
        var services = await Client.GetServicesAsync(new Proto.GetServicesRequest());
        Assert.Equal(["customer", "frontend", "mysql"], services.Services.ToArray());

        var operations = await Client.GetOperationsAsync(new Proto.GetOperationsRequest { Service = "frontend", SpanKind = "server" });
        var op = Assert.Single(operations.Operations);
        Assert.Equal("GET /dispatch", op.Name);
        Assert.Equal("server", op.SpanKind);
        Assert.Equal(["GET /dispatch"], operations.OperationNames.ToArray());
        var noService = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetOperationsAsync(new Proto.GetOperationsRequest()));
        Assert.Equal(StatusCode.InvalidArgument, noService.StatusCode);

        var dependencies = await Client.GetDependenciesAsync(new Proto.GetDependenciesRequest
        {
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        });
        Assert.Contains(dependencies.Dependencies, d => d.Parent == "customer" && d.Child == "mysql" && d.CallCount >= 1);
    }
}

using System.Net;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Proto = Jaeger.Protos.ApiV2;
using ProtoV3 = Jaeger.Protos.ApiV3;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>
/// <c>POST /api/archive/{id}</c> and the archive fallback of get-trace, against a memory primary store and a second,
/// separate memory store as the archive (<c>Jaeger:Storage:Archive:Type=memory</c>); and the same over api_v2 gRPC
/// (<c>ArchiveTrace</c>, and <c>GetTrace</c>'s fallback), with Grpc.Net.Client.
/// </summary>
public sealed class ArchiveTests : IAsyncLifetime
{
    private static readonly TraceId Kept = new(0, 0xa5c1);
    private static readonly TraceId Other = new(0, 0xa5c2);
    private static readonly TraceId Unknown = new(0, 0x404404);

    private IHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        (_host, _client) = await StartAsync(archive: true);
        var now = Time.ToUnixMicros(DateTimeOffset.UtcNow);
        await _host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(QueryFixture.Spans(now - 60_000_000).Take(4).Select(s => WithTrace(s, Kept))
            .Concat(QueryFixture.Spans(now - 60_000_000).Take(2).Select(s => WithTrace(s, Other))));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }

    private static Span WithTrace(Span span, TraceId trace)
    {
        span.TraceId = trace;
        span.References = [.. span.References.Select(r => new SpanRef(trace, r.SpanId, r.RefType))];
        return span;
    }

    private static async Task<(IHost, HttpClient)> StartAsync(bool archive)
    {
        var host = TestQueryHost.Build(o => o.GrpcListenAddress = "127.0.0.1:0", archive);
        await host.StartAsync();
        return (host, new HttpClient { BaseAddress = host.HttpBaseAddress() });
    }

    private static async Task<(HttpStatusCode Status, string Text)> SendAsync(HttpClient client, HttpMethod method, string url)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(method, url));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static GrpcChannel GrpcChannelTo(IHost host) =>
        GrpcChannel.ForAddress($"http://127.0.0.1:{host.Services.GetRequiredService<JaegerQuery>().GrpcEndpoint!.Port}");

    private static async Task<string[]> GrpcSpanIdsAsync(Proto.QueryService.QueryServiceClient client, TraceId id)
    {
        using var call = client.GetTrace(new Proto.GetTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(id) });
        var ids = new List<string>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            ids.AddRange(chunk.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.Span)));
        }

        return [.. ids.Order(StringComparer.Ordinal)];
    }

    private static string[] SpanIds(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var trace = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        return trace.GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("spanID").GetString()!).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void The_archive_is_a_separate_store_from_the_primary()
    {
        var archive = _host.Services.GetRequiredService<ArchiveSpanStorage>();
        var primary = _host.Services.GetRequiredService<InMemorySpanStore>();
        Assert.NotSame(primary, archive.Reader);
        Assert.NotSame(primary, archive.Writer);
        Assert.Same(primary, _host.Services.GetRequiredService<ISpanReader>());
    }

    [Fact]
    public async Task Archive_answers_jaegers_empty_envelope_and_copies_every_span_into_the_archive_only()
    {
        var (status, text) = await SendAsync(_client, HttpMethod.Post, "api/archive/000000000000a5c1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"data":[],"total":0,"limit":0,"offset":0,"errors":[]}""", text);

        var archive = _host.Services.GetRequiredService<ArchiveSpanStorage>();
        var archived = await archive.Reader.GetTraceAsync(Kept);
        Assert.NotNull(archived);
        Assert.Equal(["0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"], archived.Spans.Select(s => s.SpanId.ToString()).Order(StringComparer.Ordinal).ToArray());
        Assert.Null(await archive.Reader.GetTraceAsync(Other));
    }

    [Fact]
    public async Task Get_trace_falls_back_to_the_archive_after_the_primary_purges_it_in_the_classic_api_and_api_v3()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_client, HttpMethod.Post, "api/archive/a5c1")).Status);
        var before = await SendAsync(_client, HttpMethod.Get, "api/traces/000000000000a5c1");
        Assert.Equal(HttpStatusCode.OK, before.Status);

        await _host.Services.GetRequiredService<InMemorySpanStore>().PurgeAsync();
        Assert.Null(await _host.Services.GetRequiredService<ISpanReader>().GetTraceAsync(Kept));

        var after = await SendAsync(_client, HttpMethod.Get, "api/traces/000000000000a5c1");
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(SpanIds(before.Text), SpanIds(after.Text));
        Assert.Equal(4, SpanIds(after.Text).Length);

        var v3 = await SendAsync(_client, HttpMethod.Get, "api/v3/traces/000000000000a5c1");
        Assert.Equal(HttpStatusCode.OK, v3.Status);
        Assert.Equal(4, JsonDocument.Parse(v3.Text).RootElement.GetProperty("result").GetProperty("resourceSpans").EnumerateArray()
            .Sum(r => r.GetProperty("scopeSpans").EnumerateArray().Sum(s => s.GetProperty("spans").GetArrayLength())));

        var search = await SendAsync(_client, HttpMethod.Get, "api/traces?traceID=000000000000a5c1&traceID=000000000000a5c2");
        using var doc = JsonDocument.Parse(search.Text);
        Assert.Equal("000000000000a5c1", Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray()).GetProperty("traceID").GetString());
        Assert.Equal("000000000000a5c2", Assert.Single(doc.RootElement.GetProperty("errors").EnumerateArray()).GetProperty("traceID").GetString());

        // The trace not archived is gone with the purge.
        var gone = await SendAsync(_client, HttpMethod.Get, "api/traces/000000000000a5c2");
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);

        // Archiving a trace only the archive still has succeeds without writing it twice.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_client, HttpMethod.Post, "api/archive/a5c1")).Status);
        Assert.Equal(4, (await _host.Services.GetRequiredService<ArchiveSpanStorage>().Reader.GetTraceAsync(Kept))!.Spans.Count);
    }

    [Fact]
    public async Task Archive_of_an_unknown_trace_is_404_and_writes_nothing()
    {
        var (status, text) = await SendAsync(_client, HttpMethod.Post, $"api/archive/{Unknown}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("""{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}""", text);
        Assert.Empty(await _host.Services.GetRequiredService<ArchiveSpanStorage>().Reader.GetServicesAsync());
    }

    [Theory]
    [InlineData("nothex")]
    [InlineData("0")]
    public async Task Archive_with_a_bad_trace_id_is_400_naming_the_parameter(string id)
    {
        var (status, text) = await SendAsync(_client, HttpMethod.Post, $"api/archive/{id}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.StartsWith($"unable to parse param 'traceID': '{id}'", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_archive_storage_archive_is_jaegers_500_and_get_trace_still_works()
    {
        var (host, client) = await StartAsync(archive: false);
        try
        {
            Assert.Null(host.Services.GetService<ArchiveSpanStorage>());
            await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(QueryFixture.Spans(Time.ToUnixMicros(DateTimeOffset.UtcNow)).Take(1));
            var (status, text) = await SendAsync(client, HttpMethod.Post, $"api/archive/{QueryFixture.DispatchTraceId}");
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Equal("""{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":500,"msg":"archive span storage was not configured"}]}""", text);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Get, $"api/traces/{QueryFixture.DispatchTraceId}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Get, $"api/traces/{Unknown}")).Status);
        }
        finally
        {
            client.Dispose();
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Grpc_ArchiveTrace_copies_the_trace_as_the_http_archive_does_and_both_GetTraces_fall_back_to_the_archive()
    {
        using var channel = GrpcChannelTo(_host);
        var client = new Proto.QueryService.QueryServiceClient(channel);
        await client.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(Kept) });

        var archive = _host.Services.GetRequiredService<ArchiveSpanStorage>();
        string[] all = ["0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"];
        Assert.Equal(all, (await archive.Reader.GetTraceAsync(Kept))!.Spans.Select(s => s.SpanId.ToString()).Order(StringComparer.Ordinal).ToArray());
        Assert.Null(await archive.Reader.GetTraceAsync(Other));

        await _host.Services.GetRequiredService<InMemorySpanStore>().PurgeAsync();
        Assert.Equal(all, await GrpcSpanIdsAsync(client, Kept));
        var gone = await Assert.ThrowsAsync<RpcException>(() => GrpcSpanIdsAsync(client, Other));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        // api_v3 too, with a window around the spans (which the archive is asked with as well).
        var v3 = new ProtoV3.QueryService.QueryServiceClient(channel);
        var now = DateTimeOffset.UtcNow;
        using (var call = v3.GetTrace(new ProtoV3.GetTraceRequest
        {
            TraceId = Kept.ToString(),
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now.AddHours(-1)),
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now.AddMinutes(1)),
        }))
        {
            var v3Ids = new List<string>();
            await foreach (var data in call.ResponseStream.ReadAllAsync())
            {
                v3Ids.AddRange(data.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).Select(s => Convert.ToHexStringLower(s.SpanId.Span)));
            }

            Assert.Equal(all, v3Ids.Order(StringComparer.Ordinal).ToArray());
        }

        using (var missing = v3.GetTrace(new ProtoV3.GetTraceRequest { TraceId = Other.ToString() }))
        {
            var v3Gone = await Assert.ThrowsAsync<RpcException>(async () => await missing.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.NotFound, v3Gone.StatusCode);
        }

        // A trace only the archive still has is already archived: success, and not written twice.
        await client.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(Kept) });
        Assert.Equal(4, (await archive.Reader.GetTraceAsync(Kept))!.Spans.Count);
    }

    [Fact]
    public async Task Grpc_ArchiveTrace_of_an_unknown_trace_is_not_found_of_a_zero_id_invalid_argument_and_writes_nothing()
    {
        using var channel = GrpcChannelTo(_host);
        var client = new Proto.QueryService.QueryServiceClient(channel);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(Unknown) }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("trace not found", unknown.Status.Detail);
        var zero = await Assert.ThrowsAsync<RpcException>(() => client.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(default) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, zero.StatusCode);
        var shortId = await Assert.ThrowsAsync<RpcException>(() => client.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = Google.Protobuf.ByteString.CopyFrom(1, 2, 3) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, shortId.StatusCode);
        Assert.Empty(await _host.Services.GetRequiredService<ArchiveSpanStorage>().Reader.GetServicesAsync());

        // The service keeps serving.
        await client.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(Other) });
        Assert.Equal(2, (await _host.Services.GetRequiredService<ArchiveSpanStorage>().Reader.GetTraceAsync(Other))!.Spans.Count);
    }

    [Fact]
    public async Task Grpc_ArchiveTrace_without_archive_storage_is_jaegers_internal_error_and_GetTrace_still_works()
    {
        var (host, client) = await StartAsync(archive: false);
        try
        {
            await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(QueryFixture.Spans(Time.ToUnixMicros(DateTimeOffset.UtcNow)).Take(1));
            using var channel = GrpcChannelTo(host);
            var grpc = new Proto.QueryService.QueryServiceClient(channel);
            var error = await Assert.ThrowsAsync<RpcException>(() => grpc.ArchiveTraceAsync(new Proto.ArchiveTraceRequest { TraceId = ApiV2Mapper.TraceIdBytes(QueryFixture.DispatchTraceId) }).ResponseAsync);
            Assert.Equal(StatusCode.Internal, error.StatusCode);
            Assert.Equal("failed to archive trace: archive span storage was not configured", error.Status.Detail);
            Assert.Equal(["0000000000000001"], await GrpcSpanIdsAsync(grpc, QueryFixture.DispatchTraceId));
        }
        finally
        {
            client.Dispose();
            await host.StopAsync();
            host.Dispose();
        }
    }
}

using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Model;
using Microsoft.Extensions.DependencyInjection;
using CollectorService = Jaeger.Protos.ApiV2.CollectorService;
using PostSpansRequest = Jaeger.Protos.ApiV2.PostSpansRequest;
using Jaeger.Testing;
using Jaeger.Thrift;
using Otlp = Jaeger.Protos.Otlp.Collector.Trace.V1;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class ReceiverTests
{
    internal static byte[] ThriftBody(Model.Batch batch)
    {
        var buffer = new ArrayBufferWriter<byte>();
        JaegerThriftSerializer.WriteBatch(buffer, batch, ThriftProtocol.Binary);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    internal static ByteArrayContent Content(byte[] body, string contentType, bool gzip = false)
    {
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    [Theory]
    [InlineData("application/x-thrift", false)]
    [InlineData("application/vnd.apache.thrift.binary", true)]
    public async Task Thrift_http_batch_is_accepted_with_202_and_stored_intact(string contentType, bool gzip)
    {
        await using var collector = await CollectorHost.StartAsync();
        var batch = TestSpans.Batch("thrift-svc", 3);
        batch.Spans[1].References = [new SpanRef(batch.Spans[0].TraceId, batch.Spans[0].SpanId)];

        var response = await collector.Http.PostAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces"), Content(ThriftBody(batch), contentType, gzip));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 3, "3 spans stored");
        var stored = collector.Writer.Single("op1");
        Assert.Equal(new TraceId(0x1234, 0xabc), stored.TraceId);
        Assert.Equal(new SpanId(2), stored.SpanId);
        Assert.Equal(new SpanId(1), stored.ParentSpanId);
        Assert.Equal("thrift-svc", stored.Process.ServiceName);
        Assert.Equal(1000, stored.DurationMicros);
        Assert.True(stored.TryGetTag("n", out var n) && n.Int64Value == 1);
        Assert.Equal("server", stored.SpanKind);
    }

    [Fact]
    public async Task Zipkin_v2_json_is_accepted_and_mapped()
    {
        await using var collector = await CollectorHost.StartAsync();
        const string json = """
            [{"traceId":"0000000000001234000000000000abcd","id":"00000000000000a2","parentId":"00000000000000a1","name":"get /users",
              "kind":"SERVER","timestamp":1700000000000000,"duration":2500,"debug":true,
              "localEndpoint":{"serviceName":"zipkin-svc","ipv4":"10.0.0.1"},
              "remoteEndpoint":{"serviceName":"caller","ipv4":"10.0.0.2","port":8080},
              "tags":{"http.method":"GET","error":"boom"},
              "annotations":[{"timestamp":1700000000000100,"value":"cache miss"}]}]
            """;

        var response = await collector.Http.PostAsync(new Uri(collector.Collector.ZipkinEndpoint!, "api/v2/spans"), new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 1, "the Zipkin span stored");
        var span = collector.Writer.Single("get /users");
        Assert.Equal(new TraceId(0x1234, 0xabcd), span.TraceId);
        Assert.Equal(new SpanId(0xa2), span.SpanId);
        Assert.Equal(new SpanId(0xa1), span.ParentSpanId);
        Assert.Equal("zipkin-svc", span.Process.ServiceName);
        Assert.Equal("server", span.SpanKind);
        Assert.True(span.IsDebug);
        Assert.Equal(2500, span.DurationMicros);
        Assert.True(span.TryGetTag("error", out var error) && error.BoolValue);
        Assert.True(span.TryGetTag("error.message", out var message) && message.StringValue == "boom");
        Assert.True(span.TryGetTag("peer.service", out var peer) && peer.StringValue == "caller");
        Assert.True(span.TryGetTag("peer.port", out var port) && port.Int64Value == 8080);
        var log = Assert.Single(span.Logs);
        Assert.Equal(1700000000000100, log.TimestampMicros);
        Assert.Equal(KeyValue.String("event", "cache miss"), Assert.Single(log.Fields));
    }

    [Fact]
    public async Task Api_v2_grpc_post_spans_stores_spans_with_the_batch_process()
    {
        await using var collector = await CollectorHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.Collector.GrpcEndpoint!);
        var client = new CollectorService.CollectorServiceClient(channel);
        var request = new PostSpansRequest
        {
            Batch = new Protos.ApiV2.Batch
            {
                Process = new Protos.ApiV2.Process { ServiceName = "grpc-svc", Tags = { new Protos.ApiV2.KeyValue { Key = "ip", VStr = "10.1.1.1" } } },
                Spans =
                {
                    new Protos.ApiV2.Span
                    {
                        TraceId = ByteString.CopyFrom([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]),
                        SpanId = ByteString.CopyFrom([0, 0, 0, 0, 0, 0, 0, 3]),
                        OperationName = "grpc-op",
                        Flags = 1,
                        StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)),
                        Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(5)),
                        Tags = { new Protos.ApiV2.KeyValue { Key = "k", VType = Protos.ApiV2.ValueType.Int64, VInt64 = 42 } },
                    },
                },
            },
        };

        await client.PostSpansAsync(request);

        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 1, "the gRPC span stored");
        var span = collector.Writer.Single("grpc-op");
        Assert.Equal(new TraceId(1, 2), span.TraceId);
        Assert.Equal(new SpanId(3), span.SpanId);
        Assert.Equal("grpc-svc", span.Process.ServiceName);
        Assert.Equal(1_700_000_000_000_000, span.StartTimeMicros);
        Assert.Equal(5000, span.DurationMicros);
        Assert.True(span.TryGetTag("k", out var k) && k.Int64Value == 42);
    }

    [Fact]
    public async Task Otlp_json_over_http_is_accepted_with_hex_ids_and_enum_integers()
    {
        await using var collector = await CollectorHost.StartAsync();
        const string json = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}},{"key":"host.name","value":{"stringValue":"h1"}}]},
              "scopeSpans":[{"scope":{"name":"my.lib","version":"1.2"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
              "parentSpanId":"eee19b7ec3c1b173","name":"json-op","kind":3,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000002000000",
              "attributes":[{"key":"http.status_code","value":{"intValue":"500"}}],"status":{"code":2,"message":"bad"}}]}]}]}
            """;

        var response = await collector.Http.PostAsync(new Uri(collector.Collector.OtlpHttpEndpoint!, "v1/traces"), new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 1, "the OTLP/JSON span stored");
        var span = collector.Writer.Single("json-op");
        Assert.Equal("5b8efff798038103d269b633813fc60c", span.TraceId.ToString());
        Assert.Equal("eee19b7ec3c1b174", span.SpanId.ToString());
        Assert.Equal("eee19b7ec3c1b173", span.ParentSpanId.ToString());
        Assert.Equal("json-svc", span.Process.ServiceName);
        Assert.Contains(KeyValue.String("host.name", "h1"), span.Process.Tags);
        Assert.Equal("client", span.SpanKind);
        Assert.Equal(2000, span.DurationMicros);
        Assert.True(span.TryGetTag("error", out var error) && error.BoolValue);
        Assert.True(span.TryGetTag("otel.status_code", out var code) && code.StringValue == "ERROR");
        Assert.True(span.TryGetTag("otel.status_description", out var description) && description.StringValue == "bad");
        Assert.True(span.TryGetTag("otel.scope.name", out var scope) && scope.StringValue == "my.lib");
        Assert.True(span.TryGetTag("otel.scope.version", out var version) && version.StringValue == "1.2");
        Assert.True(span.TryGetTag("http.status_code", out var status) && status.Int64Value == 500);
    }

    public static TheoryData<string, string, string, string> MalformedHttpBodies => new()
    {
        { "thrift", "api/traces", "application/x-thrift", "\u0001\u0002garbage" },
        { "thrift", "api/traces", "text/plain", "hello" },
        { "zipkin", "api/v2/spans", "application/json", "{not json" },
        { "zipkin", "api/v2/spans", "application/json", "[{\"traceId\":\"xyz\",\"id\":\"0000000000000001\"}]" },
        { "otlp", "v1/traces", "application/json", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"nothex\",\"spanId\":\"01\"}]}]}]}" },
        { "otlp", "v1/traces", "application/x-protobuf", "\u00ff\u00ff\u00ff\u00ff" },
        { "otlp", "v1/traces", "application/x-protobuf", "\n\u00ff\u00ff\u00ff\u00ff\u0007" },
    };

    [Theory]
    [MemberData(nameof(MalformedHttpBodies))]
    public async Task Malformed_http_body_gets_a_clear_4xx_stores_nothing_and_the_receiver_keeps_serving(string receiver, string path, string contentType, string body)
    {
        await using var collector = await CollectorHost.StartAsync();
        var baseUri = receiver switch
        {
            "thrift" => collector.Collector.ThriftHttpEndpoint!,
            "zipkin" => collector.Collector.ZipkinEndpoint!,
            _ => collector.Collector.OtlpHttpEndpoint!,
        };

        var bad = await collector.Http.PostAsync(new Uri(baseUri, path), Content(Encoding.Latin1.GetBytes(body), contentType));

        Assert.True(bad.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"status {bad.StatusCode}");
        var message = await bad.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrWhiteSpace(message));

        // A valid request right after is served and stored.
        var good = receiver switch
        {
            "thrift" => Content(ThriftBody(TestSpans.Batch("after", 1)), "application/x-thrift"),
            "zipkin" => Content(Encoding.UTF8.GetBytes("""[{"traceId":"0000000000000001","id":"0000000000000002","name":"op0","localEndpoint":{"serviceName":"after"}}]"""), "application/json"),
            _ => Content(OtlpRequest("after", "op0").ToByteArray(), "application/x-protobuf"),
        };
        var ok = await collector.Http.PostAsync(new Uri(baseUri, path), good);
        Assert.True(ok.IsSuccessStatusCode, $"status {ok.StatusCode}");
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 1, "the valid span stored");
        Assert.Equal("after", Assert.Single(collector.Writer.Spans).Process.ServiceName);
    }

    [Fact]
    public async Task Thrift_decode_error_message_names_the_problem()
    {
        await using var collector = await CollectorHost.StartAsync();

        var response = await collector.Http.PostAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces"), Content([0x0c, 0x00, 0x01], "application/x-thrift"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Unable to process request body:", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Body_over_the_size_limit_is_refused_before_it_is_stored()
    {
        await using var collector = await CollectorHost.StartAsync(o => o.MaxRequestBytes = 4096);
        var big = ThriftBody(TestSpans.Batch("big", 200));
        Assert.True(big.Length > 4096);

        var plain = await collector.Http.PostAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces"), Content(big, "application/x-thrift"));
        var zipped = await collector.Http.PostAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces"), Content(big, "application/x-thrift", gzip: true));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, plain.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, zipped.StatusCode);
        Assert.Empty(collector.Writer.Spans);
    }

    [Fact]
    public async Task Malformed_grpc_requests_get_invalid_argument_and_the_server_keeps_serving()
    {
        await using var collector = await CollectorHost.StartAsync();
        using var jaegerChannel = GrpcChannel.ForAddress(collector.Collector.GrpcEndpoint!);
        using var otlpChannel = GrpcChannel.ForAddress(collector.Collector.OtlpGrpcEndpoint!);
        var jaeger = new CollectorService.CollectorServiceClient(jaegerChannel);
        var otlp = new Otlp.TraceService.TraceServiceClient(otlpChannel);

        var badJaeger = await Assert.ThrowsAsync<RpcException>(async () => await jaeger.PostSpansAsync(new PostSpansRequest
        {
            Batch = new Protos.ApiV2.Batch { Spans = { new Protos.ApiV2.Span { TraceId = ByteString.CopyFrom([1, 2, 3]), SpanId = ByteString.CopyFrom(new byte[8]) } } },
        }));
        var badOtlp = await Assert.ThrowsAsync<RpcException>(async () => await otlp.ExportAsync(OtlpRequest("svc", "op", traceIdLength: 5)));

        Assert.Equal(StatusCode.InvalidArgument, badJaeger.StatusCode);
        Assert.Contains("trace_id", badJaeger.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, badOtlp.StatusCode);
        Assert.Contains("trace_id", badOtlp.Status.Detail, StringComparison.Ordinal);

        await otlp.ExportAsync(OtlpRequest("good", "op-after"));
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 1, "the valid OTLP span stored");
        Assert.Equal("op-after", Assert.Single(collector.Writer.Spans).OperationName);
    }

    [Fact]
    public async Task Gzip_compressed_otlp_over_http_and_grpc_is_accepted()
    {
        await using var collector = await CollectorHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.Collector.OtlpGrpcEndpoint!);
        var client = new Otlp.TraceService.TraceServiceClient(channel);

        var http = await collector.Http.PostAsync(
            new Uri(collector.Collector.OtlpHttpEndpoint!, "v1/traces"),
            Content(OtlpRequest("gz", "over-http").ToByteArray(), "application/x-protobuf", gzip: true));
        await client.ExportAsync(OtlpRequest("gz", "over-grpc"), new Metadata { { "grpc-internal-encoding-request", "gzip" } });

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 2, "both gzip spans stored");
        Assert.Equal(["over-grpc", "over-http"], collector.Writer.Spans.Select(s => s.OperationName).Order());
    }

    [Fact]
    public async Task Corrupt_gzip_body_gets_400()
    {
        await using var collector = await CollectorHost.StartAsync();
        var content = new ByteArrayContent([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-thrift");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await collector.Http.PostAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces"), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("gzip", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_endpoint_reports_jaeger_status_json()
    {
        await using var collector = await CollectorHost.StartAsync();

        var response = await collector.Http.GetAsync(collector.Collector.AdminEndpoint!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Server available", json.RootElement.GetProperty("status").GetString());
        Assert.True(json.RootElement.TryGetProperty("upSince", out _));
        Assert.True(json.RootElement.TryGetProperty("uptime", out _));
    }

    [Fact]
    public async Task Grpc_health_reports_serving_for_hosted_services_and_not_found_for_others()
    {
        await using var collector = await CollectorHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.Collector.GrpcEndpoint!);
        var health = new Protos.Grpc.Health.V1.Health.HealthClient(channel);

        var server = await health.CheckAsync(new Protos.Grpc.Health.V1.HealthCheckRequest());
        var collectorService = await health.CheckAsync(new Protos.Grpc.Health.V1.HealthCheckRequest { Service = "jaeger.api_v2.CollectorService" });
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new Protos.Grpc.Health.V1.HealthCheckRequest { Service = "nope" }));

        Assert.Equal(Protos.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, server.Status);
        Assert.Equal(Protos.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, collectorService.Status);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task An_open_grpc_health_watch_does_not_hold_up_a_graceful_stop()
    {
        var collector = await CollectorHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.Collector.GrpcEndpoint!);
        using var watch = new Protos.Grpc.Health.V1.Health.HealthClient(channel).Watch(new Protos.Grpc.Health.V1.HealthCheckRequest());
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(Protos.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        await collector.Host.Services.GetRequiredService<Jaeger.Storage.ISpanSink>().SubmitAsync(TestSpans.Batch("late", 5));

        // A short shutdown timeout: the watch must end at once so the pipeline still has time to drain.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await collector.Host.StopAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(5, collector.Writer.Spans.Count);
        collector.Host.Dispose();
        collector.Http.Dispose();
    }

    [Fact]
    public async Task Disabled_receiver_is_not_started()
    {
        await using var collector = await CollectorHost.StartAsync(o => o.Zipkin.Enabled = false);

        Assert.Null(collector.Collector.ZipkinEndpoint);
        Assert.NotNull(collector.Collector.ThriftHttpEndpoint);
    }

    internal static Otlp.ExportTraceServiceRequest OtlpRequest(string service, string operation, int traceIdLength = 16)
    {
        var traceId = new byte[traceIdLength];
        traceId[^1] = 7;
        return new Otlp.ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new Protos.Otlp.Trace.V1.ResourceSpans
                {
                    Resource = new Protos.Otlp.Resource.V1.Resource
                    {
                        Attributes = { new Protos.Otlp.Common.V1.KeyValue { Key = "service.name", Value = new Protos.Otlp.Common.V1.AnyValue { StringValue = service } } },
                    },
                    ScopeSpans =
                    {
                        new Protos.Otlp.Trace.V1.ScopeSpans
                        {
                            Spans =
                            {
                                new Protos.Otlp.Trace.V1.Span
                                {
                                    TraceId = ByteString.CopyFrom(traceId),
                                    SpanId = ByteString.CopyFrom([0, 0, 0, 0, 0, 0, 0, 9]),
                                    Name = operation,
                                    StartTimeUnixNano = 1_700_000_000_000_000_000,
                                    EndTimeUnixNano = 1_700_000_000_001_000_000,
                                },
                            },
                        },
                    },
                },
            },
        };
    }
}

using Jaeger.Client;

namespace Jaeger.EndToEnd.Tests;

/// <summary>Our client's HTTP sender (JAEGER_ENDPOINT) against our collector's Thrift HTTP receiver, over real sockets.</summary>
public sealed class ClientHttpSenderTests
{
    [Fact]
    public async Task Spans_sent_by_the_client_over_http_thrift_are_stored_by_the_collector_with_their_content()
    {
        await using var roundTrip = await ClientSenderRoundTrip.StartAsync(o =>
        {
            o.ThriftHttp.Enabled = true;
            o.ThriftHttp.Address = "127.0.0.1:0";
        });

        var ids = await ClientSenderRoundTrip.SendCheckoutTraceAsync(JaegerTracerFactory.Create(new JaegerTracingOptions
        {
            ServiceName = "http-sender-app",
            Endpoint = new Uri(roundTrip.Collector.ThriftHttpEndpoint!, "api/traces").AbsoluteUri,
            User = "user",
            Password = "secret",
            SamplerType = "const",
            SamplerParam = 1,
            TraceId128Bit = true,
        }));

        await roundTrip.AssertCheckoutTraceStoredAsync(ids, "http-sender-app");
    }
}

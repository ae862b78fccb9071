using System.Diagnostics.Metrics;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Agent.Hosting.Forwarding;
using Jaeger.Agent.Hosting.Http;
using Jaeger.Agent.Hosting.Intake;
using Jaeger.Agent.Hosting.Sampling;
using Jaeger.Hosting.Diagnostics;
using Jaeger.Hosting.Http;
using Jaeger.Model;
using Jaeger.Sampling;
using Jaeger.Storage;
using Jaeger.Thrift;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Agent.Hosting;

/// <summary>Runs the agent: forwarder first, then the UDP servers and the HTTP server; stops in the reverse order, draining.</summary>
internal sealed class JaegerAgentHostedService : IHostedService, IAsyncDisposable
{
    private readonly JaegerAgentOptions _options;
    private readonly JaegerAgent _agent;
    private readonly AgentMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IServiceProvider _services;
    private readonly PrometheusMetrics? _prometheus;
    private readonly List<UdpServer> _udpServers = [];
    private BatchForwarder? _forwarder;
    private ClientStatsTracker? _clients;
    private EndpointServer? _http;
    private SamplingEndpoints? _endpoints;

    public JaegerAgentHostedService(
        IOptions<JaegerAgentOptions> options,
        JaegerAgent agent,
        AgentMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IServiceProvider services)
    {
        _options = options.Value;
        _agent = agent;
        _metrics = metrics;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<JaegerAgentHostedService>();
        _services = services;

        // Resolved before any datagram is read so /metrics on the HTTP server counts from the start.
        _prometheus = string.IsNullOrWhiteSpace(_options.HttpListenAddress) ? null : services.GetRequiredService<PrometheusMetrics>();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!AgentTags.TryParse(_options.AgentTags, Environment.GetEnvironmentVariable, out var agentTags, out var tagError))
        {
            throw new OptionsValidationException(nameof(JaegerAgentOptions), typeof(JaegerAgentOptions), [tagError]);
        }

        var (clients, samplingSource) = CreateClients();
        _forwarder = new BatchForwarder(clients, _options, agentTags, _metrics, _time, _loggerFactory.CreateLogger<BatchForwarder>());
        _forwarder.Start();
        _clients = new ClientStatsTracker(_metrics, _time, _options.MaxTrackedClients, _options.ClientExpiry);
        _metrics.Meter.CreateObservableGauge("jaeger.agent.forward.buffered_spans", () => _forwarder.BufferedSpans, "{span}", "Spans waiting to be forwarded.");
        _metrics.Meter.CreateObservableGauge("jaeger.agent.client.connected_clients", () => _clients.Count, "{client}", "Clients whose stats are tracked.");

        var forwarder = _forwarder;
        var tracker = _clients;
        void OnBatch(Batch batch)
        {
            tracker.Record(batch);
            forwarder.TryEnqueue(batch);
        }

        var udpLogger = _loggerFactory.CreateLogger<UdpServer>();
        if (_options.Compact.Enabled)
        {
            var server = new UdpServer(_options.Compact, ThriftProtocol.Compact, OnBatch, _metrics, udpLogger);
            _udpServers.Add(server);
            server.Start();
            _agent.CompactEndpoint = server.BoundEndpoint;
        }

        if (_options.Binary.Enabled)
        {
            var server = new UdpServer(_options.Binary, ThriftProtocol.Binary, OnBatch, _metrics, udpLogger);
            _udpServers.Add(server);
            server.Start();
            _agent.BinaryEndpoint = server.BoundEndpoint;
        }

        foreach (var server in _udpServers)
        {
            var protocol = server.ProtocolName;
            _metrics.Meter.CreateObservableGauge(
                "jaeger.agent.udp.queue.size",
                () => new Measurement<int>(server.QueueLength, new KeyValuePair<string, object?>("protocol", protocol)),
                "{packet}",
                "Datagrams waiting for a worker.");
        }

        var cache = new SamplingStrategyCache(samplingSource, _time, _options.SamplingCacheTtl, _options.MaxCachedServices);
        _endpoints = new SamplingEndpoints(cache, _options.BaggageRestrictions, _metrics, _time, _loggerFactory.CreateLogger<SamplingEndpoints>());
        if (!string.IsNullOrWhiteSpace(_options.HttpListenAddress))
        {
            var endpoints = _endpoints;
            var prometheus = _prometheus;
            _http = await EndpointServer.StartAsync(
                ListenAddress.Parse(_options.HttpListenAddress),
                HttpProtocols.Http1,
                _loggerFactory,
                static _ => { },
                routes =>
                {
                    endpoints.Map(routes);
                    prometheus?.Map(routes);
                },
                maxRequestBodySize: 1024,
                cancellationToken).ConfigureAwait(false);
            _agent.HttpEndpoint = _http.BaseAddress;
            AgentLog.HttpListening(_logger, _http.BaseAddress);
        }

        _endpoints.MarkReady();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _endpoints?.MarkNotReady();
        if (_http is not null)
        {
            await _http.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        // Stop receiving, let the workers hand over what is queued, then deliver what the forwarder holds.
        await Task.WhenAll(_udpServers.Select(s => s.StopAsync(cancellationToken))).ConfigureAwait(false);
        if (_forwarder is not null)
        {
            await _forwarder.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _udpServers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
        }

        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync().ConfigureAwait(false);
        }
    }

    private (IReadOnlyList<ICollectorClient> Clients, ISamplingStrategySource Sampling) CreateClients()
    {
        var clients = new List<ICollectorClient>();
        var sources = new List<ISamplingStrategySource>();
        switch (_options.Protocol)
        {
            case AgentForwardingProtocol.InProcess:
                var sink = _services.GetService<ISpanSink>()
                    ?? throw new InvalidOperationException("JaegerAgentOptions.Protocol is InProcess but no ISpanSink is registered (AddJaegerCollector() registers one).");
                clients.Add(new SpanSinkClient(sink));
                if (_options.Collectors.Count > 0)
                {
                    sources.Add(new HttpCollectorClient(CollectorAddress(_options.Collectors[0], 14268), _options.RequestTimeout));
                }
                else if (_services.GetService<ISamplingStrategyProvider>() is { } provider)
                {
                    // The collector of this host: its strategy provider answers directly.
                    sources.Add(new ProviderSamplingSource(provider));
                }

                break;
            case AgentForwardingProtocol.Http:
                foreach (var address in Addresses(14268))
                {
                    var client = new HttpCollectorClient(address, _options.RequestTimeout);
                    clients.Add(client);
                    sources.Add(client);
                }

                break;
            default:
                foreach (var address in Addresses(14250))
                {
                    var client = new GrpcCollectorClient(address, _options.RequestTimeout);
                    clients.Add(client);
                    sources.Add(client);
                }

                break;
        }

        AgentLog.Forwarding(_logger, _options.Protocol, string.Join(", ", clients.Select(c => c.Name)));
        ISamplingStrategySource sampling = sources.Count == 0 ? new DefaultSamplingStrategySource() : new RoundRobinSamplingSource(sources);
        return (clients, sampling);
    }

    private IEnumerable<Uri> Addresses(int defaultPort) =>
        _options.Collectors.Count == 0 ? [CollectorAddress("localhost:" + defaultPort, defaultPort)] : _options.Collectors.Select(c => CollectorAddress(c, defaultPort));

    internal static Uri CollectorAddress(string text, int defaultPort)
    {
        var trimmed = text.Trim();
        if (!trimmed.Contains("://", StringComparison.Ordinal))
        {
            // "collector:14250" or a bare "collector" (Jaeger's default port then).
            trimmed = "http://" + (trimmed.Contains(':', StringComparison.Ordinal) ? trimmed : trimmed + ":" + defaultPort);
        }

        return new Uri(trimmed, UriKind.Absolute);
    }

    private sealed class ProviderSamplingSource(ISamplingStrategyProvider provider) : ISamplingStrategySource
    {
        public Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken) =>
            provider.GetSamplingStrategyAsync(serviceName, cancellationToken).AsTask();
    }

    private sealed class RoundRobinSamplingSource(IReadOnlyList<ISamplingStrategySource> sources) : ISamplingStrategySource
    {
        private int _next = -1;

        public Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken) =>
            sources[(int)((uint)Interlocked.Increment(ref _next) % (uint)sources.Count)].GetStrategyAsync(serviceName, cancellationToken);
    }
}

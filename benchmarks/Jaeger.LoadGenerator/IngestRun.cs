using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Jaeger.LoadGenerator.Accounting;
using Jaeger.LoadGenerator.Generation;
using Jaeger.LoadGenerator.Latency;
using Jaeger.LoadGenerator.Options;
using Jaeger.LoadGenerator.Report;
using Jaeger.LoadGenerator.Transports;

namespace Jaeger.LoadGenerator;

/// <summary>
/// One ingest run: workers stamp and send pre-encoded requests for the duration (or until a span budget is spent),
/// a probe measures emit-to-queryable latency, /metrics is read once per second for progress, and after the run the
/// tool waits until stored stops changing and balances sent against stored and every counted drop.
/// </summary>
internal sealed class IngestRun
{
    public const int MaxDatagramBytes = 65_000;

    /// <summary>The query API's largest search limit: smaller runs are counted on it span by span.</summary>
    public const int MaxSearchTraces = 1_500;

    private readonly LoadOptions _options;
    private readonly TextWriter _progress;
    private readonly HttpClient _http;

    public IngestRun(LoadOptions options, TextWriter progress, HttpClient http)
    {
        _options = options;
        _progress = progress;
        _http = http;
    }

    private int AgentPort => _options.Transport == TransportKind.AgentUdpCompact ? _options.AgentCompactPort : _options.AgentBinaryPort;

    /// <summary>True for the agent's UDP transports.</summary>
    public bool IsUdp => _options.Transport is TransportKind.AgentUdpCompact or TransportKind.AgentUdpBinary;

    /// <summary>Sends for the configured duration, or until <paramref name="spanBudget"/> spans are sent.</summary>
    public async Task<IngestResult> RunAsync(long? spanBudget, CancellationToken cancellationToken)
    {
        await using var transport = CreateTransport();
        var template = CreateTemplate(transport.Format);
        var shape = template.Shape;
        var ledger = new SendLedger();
        var probe = new QueryabilityProbe(_http, _options.QueryUrl, shape.SpansPerTrace, _options.LatencySamplesPerSecond);
        var collectorMetrics = new MetricsScraper(_http, _options.AdminUrl);
        var agentMetrics = IsUdp ? new MetricsScraper(_http, _options.AgentUrl) : null;

        var collectorBefore = await collectorMetrics.ScrapeAsync(cancellationToken).ConfigureAwait(false);
        var agentBefore = agentMetrics is null ? MetricSnapshot.Empty : await agentMetrics.ScrapeAsync(cancellationToken).ConfigureAwait(false);
        var kernelBefore = IsUdp ? KernelUdpDrops.Read(AgentPort) : null;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopProbe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probeTask = probe.RunAsync(stopProbe.Token);
        var clock = Stopwatch.StartNew();
        var budget = new RequestBudget(spanBudget is null ? long.MaxValue : (spanBudget.Value + shape.SpansPerRequest - 1) / shape.SpansPerRequest);
        var workers = new Task<TimeSpan>[_options.Workers];
        for (var w = 0; w < workers.Length; w++)
        {
            var worker = w;
            workers[w] = Task.Run(() => SendLoopAsync(worker, template, transport, ledger, probe, budget, clock, stopSending.Token), CancellationToken.None);
        }

        async Task<Balance> ReadBalanceAsync()
        {
            var collectorNow = await collectorMetrics.ScrapeAsync(cancellationToken).ConfigureAwait(false);
            var agentNow = agentMetrics is null ? null : await agentMetrics.ScrapeAsync(cancellationToken).ConfigureAwait(false);
            return Balance(ledger, shape, collectorNow, collectorBefore, agentNow, agentBefore, kernelBefore);
        }

        var allSent = Task.WhenAll(workers);
        var progress = new ProgressLine(_progress, _options.Progress);
        var lastStored = 0.0;
        var lastSent = 0L;
        var lastAccepted = 0L;
        var lastTime = TimeSpan.Zero;
        while (!allSent.IsCompleted)
        {
            var remaining = spanBudget is null ? _options.Duration - clock.Elapsed : TimeSpan.FromSeconds(1);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            await Task.WhenAny(allSent, Task.Delay(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
            var view = await ReadBalanceAsync().ConfigureAwait(false);
            var sent = ledger.SpansSent;
            var accepted = ledger.SpansAccepted;
            var now = clock.Elapsed;
            var interval = Math.Max(0.001, (now - lastTime).TotalSeconds);
            progress.Write(now, (sent - lastSent) / interval, (accepted - lastAccepted) / interval, (view.Stored - lastStored) / interval, view.CountedDrops, view.QueueLength);
            lastTime = now;
            lastSent = sent;
            lastAccepted = accepted;
            lastStored = view.Stored;
        }

        await stopSending.CancelAsync().ConfigureAwait(false);
        var sendSeconds = Math.Max(0.001, (await allSent.ConfigureAwait(false)).Max().TotalSeconds);
        var cpuSend = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        // Settle: until the balance closes, or stored and the drops stop changing, or the deadline.
        var settleClock = Stopwatch.StartNew();
        Balance final;
        var lastChange = Stopwatch.StartNew();
        var previous = (Stored: -1.0, Drops: -1.0);
        while (true)
        {
            final = await ReadBalanceAsync().ConfigureAwait(false);
            if ((final.Stored, final.CountedDrops) != previous)
            {
                previous = (final.Stored, final.CountedDrops);
                lastChange.Restart();
            }

            if (final.Unaccounted == 0 || lastChange.Elapsed > TimeSpan.FromSeconds(3) || settleClock.Elapsed > _options.SettleTimeout)
            {
                break;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        var settled = settleClock.Elapsed;
        progress.Finish();
        await stopProbe.CancelAsync().ConfigureAwait(false);
        await probeTask.ConfigureAwait(false);
        await probe.DrainAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        var querySpans = final.Stored / shape.SpansPerTrace <= MaxSearchTraces ? await CountQueryableSpansAsync(cancellationToken).ConfigureAwait(false) : null;

        return new IngestResult(
            _options,
            shape,
            new Model.TraceId(template.TraceIdHigh, RequestTemplate.Id(0, 0)),
            template.Length,
            transport.AcceptedMeaning,
            ledger,
            final,
            sendSeconds,
            settled,
            cpuSend,
            probe,
            querySpans,
            collectorMetrics.LastError,
            agentMetrics?.LastError);
    }

    /// <summary>Every span of this run's service the query API finds (one search, up to <see cref="MaxSearchTraces"/> traces); null when it cannot be read.</summary>
    private async Task<long?> CountQueryableSpansAsync(CancellationToken cancellationToken)
    {
        try
        {
            var url = new Uri(_options.QueryUrl, $"api/traces?service={Uri.EscapeDataString(_options.Service)}&limit={MaxSearchTraces}&lookback=2h");
            using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var json = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
            return json.RootElement.GetProperty("data").EnumerateArray().Sum(trace => (long)trace.GetProperty("spans").GetArrayLength());
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The request template for a transport: traces of spans-per-trace, as many per request as the batch size allows.</summary>
    public RequestTemplate CreateTemplate(TemplateFormat format)
    {
        var traceIdHigh = (1UL << 54) | (BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) & ((1UL << 54) - 1));
        var spt = _options.SpansPerTrace;
        SpanShape Shape(int traces) => new(_options.Service, traces, spt, _options.TagsPerSpan, _options.PayloadBytes);
        if (!IsUdp)
        {
            var batch = _options.BatchSpans ?? 100;
            return RequestTemplate.Create(Shape(Math.Max(1, batch / spt)), format, traceIdHigh);
        }

        // UDP: as many whole traces as fit one 65,000-byte datagram (or --batch-spans, if fewer), sized from the
        // encoded lengths of one and two traces (each trace adds the same number of bytes).
        var one = RequestTemplate.Create(Shape(1), format, traceIdHigh).Length;
        if (one > MaxDatagramBytes)
        {
            throw new InvalidOperationException($"One trace of {spt} spans encodes to {one:N0} bytes, more than a {MaxDatagramBytes:N0}-byte datagram; use fewer spans per trace, tags or payload.");
        }

        var perTrace = RequestTemplate.Create(Shape(2), format, traceIdHigh).Length - one;
        var traces = Math.Max(1, (MaxDatagramBytes - (one - perTrace)) / Math.Max(1, perTrace));
        if (_options.BatchSpans is { } limit)
        {
            traces = Math.Min(traces, Math.Max(1, limit / spt));
        }

        while (true)
        {
            var template = RequestTemplate.Create(Shape(traces), format, traceIdHigh);
            if (template.Length <= MaxDatagramBytes || traces == 1)
            {
                return template;
            }

            traces--;
        }
    }

    private ITransport CreateTransport() => _options.Transport switch
    {
        TransportKind.AgentUdpCompact => new UdpAgentTransport(_options.AgentHost, _options.AgentCompactPort, compact: true),
        TransportKind.AgentUdpBinary => new UdpAgentTransport(_options.AgentHost, _options.AgentBinaryPort, compact: false),
        TransportKind.CollectorHttpThrift => HttpPostTransport.JaegerThrift(_options.CollectorUrl, _options.Workers),
        TransportKind.OtlpHttp => HttpPostTransport.Otlp(_options.OtlpHttpUrl, _options.Workers),
        _ => new OtlpGrpcTransport(_options.OtlpGrpcUrl),
    };

    /// <summary>Sends until the duration, the budget or <paramref name="stop"/>; returns when (on <paramref name="clock"/>) the last send finished.</summary>
    private async Task<TimeSpan> SendLoopAsync(int worker, RequestTemplate template, ITransport transport, SendLedger ledger, QueryabilityProbe probe, RequestBudget budget, Stopwatch clock, CancellationToken stop)
    {
        var buffer = template.CreateBuffer();
        var spans = template.Shape.SpansPerRequest;
        var requestsPerSecond = _options.Rate <= 0 ? 0 : _options.Rate / template.Shape.Traces / _options.Workers;
        var deadline = _options.Duration;
        for (long request = 0; !stop.IsCancellationRequested && clock.Elapsed < deadline && budget.TryTake(); request++)
        {
            if (requestsPerSecond > 0)
            {
                // Workers are staggered by a fraction of one interval, so their requests interleave evenly.
                var due = TimeSpan.FromSeconds((request + ((double)worker / _options.Workers)) / requestsPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(due, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }

            var emitted = Stopwatch.GetTimestamp();
            var traceId = template.Stamp(buffer, worker, request, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
            ledger.Sent(spans);
            probe.Offer(traceId, emitted);
            await SendWithRetriesAsync(transport, buffer, spans, ledger).ConfigureAwait(false);
            if (requestsPerSecond <= 0 && (request & 15) == 15)
            {
                // UDP sends complete synchronously: let the progress line and the latency probe run too.
                await Task.Yield();
            }
        }

        return clock.Elapsed;
    }

    private async Task SendWithRetriesAsync(ITransport transport, byte[] buffer, int spans, SendLedger ledger)
    {
        var backoff = TimeSpan.FromMilliseconds(10);
        for (var attempt = 0; ; attempt++)
        {
            // Not cancelled by the end of the run: a request in flight finishes, so its outcome is known.
            var outcome = await transport.SendAsync(buffer, CancellationToken.None).ConfigureAwait(false);
            switch (outcome.Status)
            {
                case SendStatus.Accepted:
                    ledger.Accepted(spans);
                    return;
                case SendStatus.PushedBack when attempt < _options.MaxRetries:
                    ledger.Retried(outcome.Reason + " pushed back, retried");
                    await Task.Delay(backoff).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                    break;
                case SendStatus.PushedBack:
                    ledger.Dropped(spans, outcome.Reason + " pushed back, given up after " + _options.MaxRetries.ToString(CultureInfo.InvariantCulture) + " retries");
                    return;
                default:
                    ledger.Dropped(spans, outcome.Reason ?? "failed");
                    return;
            }
        }
    }

    /// <summary>Balances what was sent against the server's counters (deltas since the run started).</summary>
    private Balance Balance(SendLedger ledger, SpanShape shape, MetricSnapshot collectorNow, MetricSnapshot collectorBefore, MetricSnapshot? agentNow, MetricSnapshot agentBefore, KernelDropReading? kernelBefore)
    {
        var service = _options.Service;
        var collector = collectorNow.Since(collectorBefore);
        var rows = new List<BalanceRow>();
        foreach (var (reason, spans) in ledger.Drops.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            rows.Add(new BalanceRow("generator", reason, spans, IsDrop: true));
        }

        foreach (var (reason, requests) in ledger.Retries.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            rows.Add(new BalanceRow("generator", reason + " (requests, not a drop)", requests, IsDrop: false));
        }

        var spansPerDatagram = shape.SpansPerRequest;
        double agentRead = 0, kernelDatagrams = 0;
        if (IsUdp && agentNow is not null)
        {
            var agent = agentNow.Since(agentBefore);
            var protocol = _options.Transport == TransportKind.AgentUdpCompact ? "compact" : "binary";
            if (kernelBefore is { } before && KernelUdpDrops.Read(AgentPort) is { } kernelNow && kernelNow.Source == before.Source)
            {
                kernelDatagrams = kernelNow.Drops - before.Drops;
                rows.Add(new BalanceRow("kernel", "UDP receive buffer full (" + kernelNow.Source + ")", (long)kernelDatagrams * spansPerDatagram, IsDrop: true));
            }

            agentRead = agent.Sum("jaeger_agent_udp_packets_received_total", null, s => s.Label("protocol") == protocol);
            foreach (var group in agent.Of("jaeger_agent_udp_packets_dropped_total", null).Where(s => s.Label("protocol") == protocol).GroupBy(s => s.Label("reason")))
            {
                rows.Add(new BalanceRow("agent", "datagram dropped: " + group.Key, (long)group.Sum(s => s.Value) * spansPerDatagram, IsDrop: true));
            }

            foreach (var group in agent.Of("jaeger_agent_forward_spans_dropped_total", null).GroupBy(s => s.Label("reason")))
            {
                rows.Add(new BalanceRow("agent", "forward dropped: " + group.Key, (long)group.Sum(s => s.Value), IsDrop: true));
            }
        }

        foreach (var group in collector.Of("jaeger_collector_spans_dropped_total", service).GroupBy(s => (Reason: s.Label("reason"), Transport: s.Label("transport"))))
        {
            var spans = (long)group.Sum(s => s.Value);
            if (group.Key.Reason == "pushed_back")
            {
                rows.Add(new BalanceRow("collector", "pushed back (the sender retries; see its rows)", spans, IsDrop: false));
            }
            else if (IsUdp && group.Key.Transport == "inprocess")
            {
                // The agent in the same process counts these itself ("refused", or retried and then delivered or given up).
                rows.Add(new BalanceRow("collector", group.Key.Reason + " from the in-process agent (counted by the agent)", spans, IsDrop: false));
            }
            else
            {
                rows.Add(new BalanceRow("collector", group.Key.Reason, spans, IsDrop: true));
            }
        }

        foreach (var group in collector.Of("jaeger_collector_spans_rejected_total", null).GroupBy(s => s.Label("reason")))
        {
            rows.Add(new BalanceRow("collector", "rejected: " + group.Key + " (all services)", (long)group.Sum(s => s.Value), IsDrop: true));
        }

        var storeErrors = (long)collector.Sum("jaeger_collector_spans_saved_total", service, s => s.Label("result") == "err" && s.Labels.ContainsKey("service"));
        if (storeErrors > 0)
        {
            rows.Add(new BalanceRow("collector", "storage write failed", storeErrors, IsDrop: true));
        }

        var stored = collector.Sum("jaeger_collector_spans_saved_total", service, s => s.Label("result") == "ok" && s.Label("service") == service);
        var received = collector.Sum("jaeger_collector_spans_received_total", null);
        var queue = collectorNow.Sum("jaeger_collector_queue_length", null);
        var counted = rows.Where(r => r.IsDrop).Sum(r => r.Spans);
        var unaccounted = ledger.SpansSent - (long)stored - counted;

        var where = new List<string>();
        if (unaccounted != 0)
        {
            if (collectorNow.IsEmpty)
            {
                where.Add($"no metrics from the collector at {_options.AdminUrl}metrics, so nothing is known to be stored");
            }
            else if (IsUdp)
            {
                var datagramGap = ledger.RequestsAccepted - (long)agentRead - (long)kernelDatagrams;
                if (datagramGap != 0)
                {
                    where.Add($"{datagramGap * spansPerDatagram:N0} spans in {datagramGap:N0} datagrams were sent but neither read by the agent at {_options.AgentUrl} nor counted as kernel drops");
                }

                var rest = unaccounted - (datagramGap * spansPerDatagram);
                if (rest != 0)
                {
                    where.Add($"{rest:N0} spans read by the agent are neither stored nor counted as dropped (collector queue now {queue:N0})");
                }
            }
            else
            {
                var gap = ledger.SpansAccepted - (long)received;
                if (gap != 0)
                {
                    where.Add($"{gap:N0} spans were accepted ({_options.Transport}) but the collector at {_options.AdminUrl} counted {(gap > 0 ? "fewer" : "more")} received (all services)");
                }

                var collectorDrops = rows.Where(r => r.IsDrop && r.Stage == "collector").Sum(r => r.Spans);
                var collectorGap = (long)received - (long)stored - collectorDrops;
                if (collectorGap != 0)
                {
                    where.Add($"{collectorGap:N0} spans received by the collector but neither stored nor counted as dropped (collector queue now {queue:N0})");
                }
            }

            if (unaccounted < 0)
            {
                where.Add("counted drops exceed what is missing: counters without a service label (kernel, agent datagrams, rejected) also count other senders' traffic");
            }
        }

        return new Balance(ledger.SpansSent, ledger.SpansAccepted, stored, rows, counted, unaccounted, queue, where);
    }

    /// <summary>A shared count of requests still allowed (for the query mode's preload).</summary>
    private sealed class RequestBudget(long requests)
    {
        private long _left = requests;

        public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;
    }
}

/// <summary>One line of the balance: a stage, what it counted, the spans, and whether it is a drop (else information).</summary>
internal sealed record BalanceRow(string Stage, string What, long Spans, bool IsDrop);

/// <summary>Sent against stored and counted drops; <see cref="Unaccounted"/> is 0 when the accounting closes.</summary>
internal sealed record Balance(long Sent, long Accepted, double Stored, IReadOnlyList<BalanceRow> Rows, long CountedDrops, long Unaccounted, double QueueLength, IReadOnlyList<string> Where)
{
    public bool Closes => Unaccounted == 0;
}

/// <summary>Everything one ingest run measured.</summary>
internal sealed record IngestResult(
    LoadOptions Options,
    SpanShape Shape,
    Model.TraceId FirstTraceId,
    int RequestBytes,
    string AcceptedMeaning,
    SendLedger Ledger,
    Balance Balance,
    double SendSeconds,
    TimeSpan SettleTime,
    TimeSpan GeneratorCpu,
    QueryabilityProbe Probe,
    long? QuerySpans,
    string? CollectorMetricsError,
    string? AgentMetricsError);

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Jaeger.Storage.Cassandra.Protocol;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>How the session finds and uses the cluster.</summary>
internal sealed class CqlSessionSettings
{
    /// <summary>Contact points: host names or addresses, optionally with :port.</summary>
    public IReadOnlyList<string> ContactPoints { get; init; } = ["127.0.0.1"];

    /// <summary>The native protocol port of every node (contact points may override theirs).</summary>
    public int Port { get; init; } = 9042;

    public int ConnectionsPerHost { get; init; } = 2;

    /// <summary>Only contact points are used; system.peers is not read.</summary>
    public bool DisableDiscovery { get; init; }

    /// <summary>Hosts of this data center are tried first; null for no preference.</summary>
    public string? LocalDataCenter { get; init; }

    /// <summary>Attempts per idempotent statement on timeouts, overload, unavailability and lost connections (Jaeger: max_retry_attempts, 3).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The first wait before reconnecting to a host; it doubles up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between reconnection attempts (Jaeger: reconnect_interval, 60 s).</summary>
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(60);

    public CqlConnectionSettings Connection { get; init; } = new();
}

/// <summary>A statement prepared on the cluster: its text (to prepare again where a node forgot it), id and metadata.</summary>
internal sealed class CqlPreparedStatement(string query, CqlPrepared prepared)
{
    public string Query { get; } = query;

    public byte[] Id => Prepared.Id;

    public CqlPrepared Prepared { get; internal set; } = prepared;

    public IReadOnlyList<CqlType> VariableTypes => field ??= [.. Prepared.Variables.Columns.Select(c => c.Type)];
}

/// <summary>How one statement is executed.</summary>
internal readonly record struct CqlExecution(CqlConsistency Consistency, bool Idempotent, int PageSize = 0, byte[]? PagingState = null, long? DefaultTimestamp = null, CqlConsistency? SerialConsistency = null)
{
    public CqlQueryParameters ToParameters() => new()
    {
        Consistency = Consistency,
        PageSize = PageSize,
        PagingState = PagingState,
        DefaultTimestamp = DefaultTimestamp,
        SerialConsistency = SerialConsistency,
    };
}

/// <summary>
/// The client's view of a cluster: a control connection (discovery from system.local and system.peers, topology
/// and status events), a small pool of connections per host opened on first use and reopened with backoff,
/// token-aware routing of prepared statements, re-preparing on UNPREPARED, and retries of idempotent statements.
/// </summary>
internal sealed partial class CqlSession : IAsyncDisposable
{
    private readonly CqlSessionSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<IPEndPoint, CqlHost> _hosts = new();
    private readonly ConcurrentDictionary<string, Task<CqlPreparedStatement>> _prepared = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposing = new();
    private readonly SemaphoreSlim _controlLock = new(1, 1);
    private volatile TokenRing<CqlHost> _ring = new([]);
    private CqlConnection? _control;
    private int _roundRobin;

    public CqlSession(CqlSessionSettings settings, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _time = time;
        LoggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Jaeger.Storage.Cassandra.Cluster");
    }

    internal ILoggerFactory LoggerFactory { get; }

    internal TimeProvider Time => _time;

    internal CqlSessionSettings Settings => _settings;

    /// <summary>The hosts known, contact points and discovered peers.</summary>
    public IReadOnlyCollection<CqlHost> Hosts => [.. _hosts.Values];

    /// <summary>Retries done (for tests and metrics).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    private long _retries;

    /// <summary>Opens the control connection to the first contact point that answers and discovers the cluster.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var endPoint in await ResolveContactPointsAsync(cancellationToken).ConfigureAwait(false))
        {
            var connection = new CqlConnection(endPoint, ControlSettings(), _time, _logger);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CqlConnectionException e)
            {
                errors.Add(e.Message);
                await connection.DisposeAsync().ConfigureAwait(false);
                continue;
            }

            _control = connection;
            _hosts.GetOrAdd(endPoint, ep => new CqlHost(ep, this));
            await RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
            await RegisterForEventsAsync(connection, cancellationToken).ConfigureAwait(false);
            _ = WatchControlAsync(connection);
            return;
        }

        throw new CqlConnectionException($"No contact point answered: {string.Join("; ", errors)}");
    }

    /// <summary>Runs a statement on the control connection (schema statements, system tables).</summary>
    public async Task<CqlResult> QueryOnControlAsync(string query, CancellationToken cancellationToken, CqlConsistency consistency = CqlConsistency.One)
    {
        var control = _control is { IsOpen: true } c ? c : await ReconnectControlAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = RequestTimeout(cancellationToken);
        return await control.QueryAsync(query, new CqlQueryParameters { Consistency = consistency }, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Prepares <paramref name="query"/> once for the session (the id is valid on every node that prepared the same text).</summary>
    public Task<CqlPreparedStatement> PrepareAsync(string query, CancellationToken cancellationToken)
    {
        var task = _prepared.GetOrAdd(query, q => PrepareOnAnyHostAsync(q, cancellationToken));
        if (task.IsFaulted || task.IsCanceled)
        {
            _prepared.TryRemove(new KeyValuePair<string, Task<CqlPreparedStatement>>(query, task));
            return _prepared.GetOrAdd(query, q => PrepareOnAnyHostAsync(q, cancellationToken));
        }

        return task;
    }

    /// <summary>Executes a prepared statement on a replica of its partition when the key is known, retrying as its idempotence allows.</summary>
    public Task<CqlResult> ExecuteAsync(CqlPreparedStatement statement, IReadOnlyList<object?> values, CqlExecution execution, CancellationToken cancellationToken)
    {
        var key = TokenRing<CqlHost>.RoutingKey(values, statement.Prepared.Variables.PartitionKeyIndexes, statement.Prepared.Variables.Columns);
        var request = (values, parameters: execution.ToParameters());
        return RunAsync(statement, key is null ? null : Murmur3Token.Compute(key), execution.Idempotent, request, static (w, id, s, r) => CqlRequests.WriteExecute(w, id, s.Id, r.values, r.parameters, s.VariableTypes), cancellationToken);
    }

    /// <summary>Executes a prepared statement whose query parameters were encoded beforehand, on a replica of the partition of <paramref name="token"/> when given.</summary>
    public Task<CqlResult> ExecuteEncodedAsync(CqlPreparedStatement statement, ReadOnlyMemory<byte> parameters, long? token, bool idempotent, CancellationToken cancellationToken) =>
        RunAsync(statement, token, idempotent, parameters, static (w, id, s, p) => CqlRequests.WriteExecute(w, id, s.Id, p.Span), cancellationToken);

    /// <summary>Executes a statement page after page, handing each page's rows to <paramref name="onPage"/>; stops when it returns false.</summary>
    public async Task ExecutePagedAsync(CqlPreparedStatement statement, IReadOnlyList<object?> values, CqlExecution execution, Func<CqlRows, bool> onPage, CancellationToken cancellationToken)
    {
        byte[]? state = null;
        do
        {
            var result = await ExecuteAsync(statement, values, execution with { PagingState = state }, cancellationToken).ConfigureAwait(false);
            var rows = result.Rows ?? throw new CqlProtocolException($"Expected rows, got result kind {result.Kind}.");
            if (!onPage(rows))
            {
                return;
            }

            state = rows.PagingState;
        }
        while (state is not null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }

        _disposing.Cancel();
        if (_control is { } control)
        {
            await control.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static bool IsRetryable(CqlErrorCode code) =>
        code is CqlErrorCode.ReadTimeout or CqlErrorCode.WriteTimeout or CqlErrorCode.Unavailable or CqlErrorCode.Overloaded or CqlErrorCode.IsBootstrapping;

    internal CancellationToken Disposing => _disposing.Token;

    internal CancellationTokenSource RequestTimeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        timeout.CancelAfter(_settings.Connection.RequestTimeout);
        return timeout;
    }

    /// <summary>Sends an EXECUTE written by <paramref name="write"/> to the hosts of the plan in turn until one answers, retrying as the statement's idempotence allows.</summary>
    private async Task<CqlResult> RunAsync<TRequest>(CqlPreparedStatement statement, long? token, bool idempotent, TRequest request, Action<CqlBufferWriter, short, CqlPreparedStatement, TRequest> write, CancellationToken cancellationToken)
    {
        var plan = QueryPlan(token);
        Exception? last = null;
        var attempts = 0;

        // Hosts are tried in plan order, wrapping around, until one answers or the attempts are spent; a host that
        // cannot be connected to costs no attempt, but each host is skipped that way at most once per pass.
        for (var i = 0; i < plan.Count * (_settings.MaxAttempts + 1) && attempts < _settings.MaxAttempts; i++)
        {
            var host = plan[i % plan.Count];
            CqlConnection connection;
            try
            {
                connection = await host.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CqlConnectionException e)
            {
                last = e;
                continue;
            }

            attempts++;
            try
            {
                return await ExecuteOnAsync(connection, statement, request, write, cancellationToken).ConfigureAwait(false);
            }
            catch (CqlServerException e) when (IsRetryable(e.Code) && idempotent && attempts < _settings.MaxAttempts)
            {
                last = e;
                Interlocked.Increment(ref _retries);
                LogRetry(_logger, e.Code.ToString(), host.EndPoint);
            }
            catch (CqlConnectionException e) when (idempotent && attempts < _settings.MaxAttempts)
            {
                last = e;
                Interlocked.Increment(ref _retries);
                LogRetry(_logger, "connection", host.EndPoint);
            }
        }

        throw last ?? new CqlConnectionException("No host is available.");
    }

    private async Task<CqlResult> ExecuteOnAsync<TRequest>(CqlConnection connection, CqlPreparedStatement statement, TRequest request, Action<CqlBufferWriter, short, CqlPreparedStatement, TRequest> write, CancellationToken cancellationToken)
    {
        using var timeout = RequestTimeout(cancellationToken);
        var state = (statement, request, write);
        try
        {
            return await connection.ExecuteAsync(state, static (w, id, s) => s.write(w, id, s.statement, s.request), timeout.Token).ConfigureAwait(false);
        }
        catch (CqlServerException e) when (e.Code == CqlErrorCode.Unprepared)
        {
            // The node forgot the statement (restart) or never saw it: prepare it there, then run it again (the id is written at send time).
            LogReprepare(_logger, connection.EndPoint);
            var result = await connection.PrepareAsync(statement.Query, timeout.Token).ConfigureAwait(false);
            statement.Prepared = result.Prepared ?? throw new CqlProtocolException("PREPARE was not answered with a Prepared result.");
            return await connection.ExecuteAsync(state, static (w, id, s) => s.write(w, id, s.statement, s.request), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CqlConnectionException($"{connection.EndPoint} did not answer within {_settings.Connection.RequestTimeout.TotalSeconds:0.#} s.");
        }
    }

    private async Task<CqlPreparedStatement> PrepareOnAnyHostAsync(string query, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var host in QueryPlan(null))
        {
            try
            {
                var connection = await host.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
                using var timeout = RequestTimeout(cancellationToken);
                var result = await connection.PrepareAsync(query, timeout.Token).ConfigureAwait(false);
                return new CqlPreparedStatement(query, result.Prepared ?? throw new CqlProtocolException("PREPARE was not answered with a Prepared result."));
            }
            catch (CqlConnectionException e)
            {
                last = e;
            }
        }

        throw last ?? new CqlConnectionException("No host is available to prepare on.");
    }

    /// <summary>Hosts to try in order: the partition's replicas (local data center first), then the others round robin; hosts known down last.</summary>
    internal List<CqlHost> QueryPlan(long? token)
    {
        var all = _hosts.Values.ToList();
        var plan = new List<CqlHost>(all.Count);
        if (token is { } t)
        {
            foreach (var replica in _ring.Replicas(t))
            {
                if (IsLocal(replica))
                {
                    plan.Add(replica);
                }
            }
        }

        var start = all.Count == 0 ? 0 : (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)all.Count);
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < all.Count; i++)
            {
                var host = all[(start + i) % all.Count];
                if (IsLocal(host) == (pass == 0) && !plan.Contains(host))
                {
                    plan.Add(host);
                }
            }
        }

        // Hosts down and still in their backoff go last (stable order otherwise); they cost no attempt.
        var ordered = new List<CqlHost>(plan.Count);
        ordered.AddRange(plan.Where(h => h.IsWorthTrying));
        ordered.AddRange(plan.Where(h => !h.IsWorthTrying));
        return ordered;
    }

    private bool IsLocal(CqlHost host) => _settings.LocalDataCenter is null || host.DataCenter is null || host.DataCenter == _settings.LocalDataCenter;

    private CqlConnectionSettings ControlSettings()
    {
        var s = _settings.Connection;
        return new CqlConnectionSettings
        {
            Keyspace = null,
            UserName = s.UserName,
            Password = s.Password,
            Tls = s.Tls,
            ConnectTimeout = s.ConnectTimeout,
            RequestTimeout = s.RequestTimeout,
            HeartbeatInterval = s.HeartbeatInterval,
            MaxRequestsPerConnection = 128,
        };
    }

    private async Task<List<IPEndPoint>> ResolveContactPointsAsync(CancellationToken cancellationToken)
    {
        var endPoints = new List<IPEndPoint>();
        foreach (var contact in _settings.ContactPoints)
        {
            var (host, port) = SplitHostPort(contact, _settings.Port);
            if (IPAddress.TryParse(host, out var address))
            {
                endPoints.Add(new IPEndPoint(address, port));
                continue;
            }

            try
            {
                foreach (var resolved in await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false))
                {
                    endPoints.Add(new IPEndPoint(resolved, port));
                }
            }
            catch (System.Net.Sockets.SocketException e)
            {
                LogResolveFailed(_logger, host, e.Message);
            }
        }

        return endPoints;
    }

    internal static (string Host, int Port) SplitHostPort(string contact, int defaultPort)
    {
        var text = contact.Trim();
        if (text.StartsWith('[') && text.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
        {
            var rest = text[(close + 1)..];
            return (text[1..close], rest.StartsWith(':') ? int.Parse(rest[1..], CultureInfo.InvariantCulture) : defaultPort);
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return (text[..colon], port);
        }

        return (text, defaultPort);
    }

    /// <summary>Reads system.local and system.peers: hosts, data centers and tokens.</summary>
    internal async Task RefreshTopologyAsync(CancellationToken cancellationToken)
    {
        var control = _control ?? throw new CqlConnectionException("No control connection.");
        using var timeout = RequestTimeout(cancellationToken);
        var local = await control.QueryAsync("SELECT data_center, rack, tokens, partitioner FROM system.local WHERE key='local'", new CqlQueryParameters { Consistency = CqlConsistency.One }, timeout.Token).ConfigureAwait(false);
        var controlHost = _hosts.GetOrAdd(control.EndPoint, ep => new CqlHost(ep, this));
        if (local.Rows is { RowCount: > 0 } localRows)
        {
            controlHost.DataCenter = localRows.Get(0, 0) as string;
            controlHost.Rack = localRows.Get(0, 1) as string;
            controlHost.Tokens = ParseTokens(localRows.Get(0, 2));
        }

        if (!_settings.DisableDiscovery)
        {
            var peers = await control.QueryAsync("SELECT peer, rpc_address, data_center, rack, tokens FROM system.peers", new CqlQueryParameters { Consistency = CqlConsistency.One }, timeout.Token).ConfigureAwait(false);
            var seen = new HashSet<IPEndPoint> { control.EndPoint };
            for (var row = 0; row < (peers.Rows?.RowCount ?? 0); row++)
            {
                var rows = peers.Rows!;
                var address = rows.Get(row, 1) as IPAddress;
                if (address is null || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
                {
                    address = rows.Get(row, 0) as IPAddress;
                }

                if (address is null)
                {
                    continue;
                }

                // system.peers holds no native port: every node listens on the port the control connection used.
                var endPoint = new IPEndPoint(address, control.EndPoint.Port);
                seen.Add(endPoint);
                var host = _hosts.GetOrAdd(endPoint, ep => new CqlHost(ep, this));
                host.DataCenter = rows.Get(row, 2) as string;
                host.Rack = rows.Get(row, 3) as string;
                host.Tokens = ParseTokens(rows.Get(row, 4));
            }

            foreach (var gone in _hosts.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                if (_hosts.TryRemove(gone, out var removed))
                {
                    await removed.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        var strategy = await ReadReplicationAsync(control, timeout.Token).ConfigureAwait(false);
        _ring = new TokenRing<CqlHost>(_hosts.Values.Select(h => (h, (IEnumerable<long>)h.Tokens)), strategy, static h => h.DataCenter, static h => h.Rack);
    }

    /// <summary>The replica placement routing follows; null until the keyspace's replication was read (then every host in ring order).</summary>
    public ReplicationStrategy? Replication => _ring.Strategy;

    /// <summary>The replication of the session's keyspace from system_schema.keyspaces; null when there is no keyspace, it does not exist (yet), or its strategy is not modelled.</summary>
    private async Task<ReplicationStrategy?> ReadReplicationAsync(CqlConnection control, CancellationToken cancellationToken)
    {
        if (_settings.Connection.Keyspace is not { } keyspace)
        {
            return null;
        }

        try
        {
            var result = await control.QueryAsync("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", new CqlQueryParameters { Consistency = CqlConsistency.One }, cancellationToken, [keyspace]).ConfigureAwait(false);
            if (result.Rows is not { RowCount: > 0 } rows || rows.Get(0, 0) is not Dictionary<object, object?> map)
            {
                return null;
            }

            var replication = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in map)
            {
                if (key is string name && value is string text)
                {
                    replication[name] = text;
                }
            }

            var strategy = ReplicationStrategy.Parse(replication);
            LogReplication(_logger, keyspace, strategy?.ToString() ?? $"not modelled ({replication.GetValueOrDefault("class")}): every host in ring order");
            return strategy;
        }
        catch (CqlServerException e)
        {
            LogReplicationUnread(_logger, keyspace, e.Message);
            return null;
        }
    }

    private static long[] ParseTokens(object? tokens)
    {
        if (tokens is not List<object?> list)
        {
            return [];
        }

        var parsed = new List<long>(list.Count);
        foreach (var token in list)
        {
            if (token is string text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                parsed.Add(value);
            }
        }

        return [.. parsed];
    }

    private async Task RegisterForEventsAsync(CqlConnection connection, CancellationToken cancellationToken)
    {
        connection.OnEvent = OnEvent;
        using var timeout = RequestTimeout(cancellationToken);
        var response = await connection.SendAsync(0, static (w, id, _) => CqlRequests.WriteRegister(w, id, ["TOPOLOGY_CHANGE", "STATUS_CHANGE"]), timeout.Token).ConfigureAwait(false);
        if (response.Header.Opcode != CqlOpcode.Ready)
        {
            throw new CqlProtocolException($"REGISTER was answered with {response.Header.Opcode}.");
        }
    }

    private void OnEvent(CqlEvent cqlEvent)
    {
        if (cqlEvent.Node is not { } node)
        {
            return;
        }

        var endPoint = new IPEndPoint(node.Address, _control?.EndPoint.Port ?? node.Port);
        switch (cqlEvent.Type, cqlEvent.Change)
        {
            case ("STATUS_CHANGE", "DOWN"):
                if (_hosts.TryGetValue(endPoint, out var down))
                {
                    down.MarkDown();
                }

                break;
            case ("STATUS_CHANGE", "UP"):
                if (_hosts.TryGetValue(endPoint, out var up))
                {
                    up.MarkUp();
                }

                break;
            default:
                _ = RefreshInBackgroundAsync();
                break;
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshTopologyAsync(_disposing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CqlConnectionException or CqlServerException or OperationCanceledException or CqlProtocolException)
        {
            LogRefreshFailed(_logger, e.Message);
        }
    }

    private async Task WatchControlAsync(CqlConnection connection)
    {
        await connection.Closed.ConfigureAwait(false);
        if (!_disposing.IsCancellationRequested)
        {
            try
            {
                await ReconnectControlAsync(_disposing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Disposed while reconnecting.
            }
        }
    }

    private async Task<CqlConnection> ReconnectControlAsync(CancellationToken cancellationToken)
    {
        await _controlLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var delay = _settings.ReconnectBase;
            while (true)
            {
                if (_control is { IsOpen: true } open)
                {
                    return open;
                }

                foreach (var host in QueryPlan(null))
                {
                    var connection = new CqlConnection(host.EndPoint, ControlSettings(), _time, _logger);
                    try
                    {
                        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                        _control = connection;
                        await RegisterForEventsAsync(connection, cancellationToken).ConfigureAwait(false);
                        _ = WatchControlAsync(connection);
                        LogControlReconnected(_logger, host.EndPoint);
                        return connection;
                    }
                    catch (CqlConnectionException)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                    }
                }

                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.ReconnectMax.Ticks));
            }
        }
        finally
        {
            _controlLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrying a Cassandra statement after {Reason} from {EndPoint}")]
    private static partial void LogRetry(ILogger logger, string reason, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cassandra {EndPoint} did not know a prepared statement; preparing it again")]
    private static partial void LogReprepare(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot resolve Cassandra contact point {Host}: {Reason}")]
    private static partial void LogResolveFailed(ILogger logger, string host, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the Cassandra topology failed: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cassandra keyspace {Keyspace} replication: {Strategy}")]
    private static partial void LogReplication(ILogger logger, string keyspace, string strategy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cannot read the replication of Cassandra keyspace {Keyspace}, routing to every host in ring order: {Reason}")]
    private static partial void LogReplicationUnread(ILogger logger, string keyspace, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cassandra control connection reopened to {EndPoint}")]
    private static partial void LogControlReconnected(ILogger logger, IPEndPoint endPoint);
}

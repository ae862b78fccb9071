using System.Net;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>
/// A node and its small pool of connections, opened on first use. A connection that closes is replaced on the next
/// use; when a node refuses connections it is marked down and tried again after a backoff that doubles up to the
/// session's reconnect maximum.
/// </summary>
internal sealed partial class CqlHost : IAsyncDisposable
{
    private readonly CqlSession _session;
    private readonly CqlConnection?[] _connections;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly ILogger _logger;
    private long _retryAt;
    private TimeSpan _backoff;
    private volatile bool _disposed;

    public CqlHost(IPEndPoint endPoint, CqlSession session)
    {
        EndPoint = endPoint;
        _session = session;
        _connections = new CqlConnection?[Math.Max(1, session.Settings.ConnectionsPerHost)];
        _backoff = session.Settings.ReconnectBase;
        _logger = session.LoggerFactory.CreateLogger("Jaeger.Storage.Cassandra.Cluster");
    }

    public IPEndPoint EndPoint { get; }

    public string? DataCenter { get; set; }

    public string? Rack { get; set; }

    public IReadOnlyList<long> Tokens { get; set; } = [];

    /// <summary>False after the node refused connections or was announced down, until it is reached again.</summary>
    public bool IsUp { get; private set; } = true;

    /// <summary>Up, or down with its backoff passed: worth trying now.</summary>
    public bool IsWorthTrying => IsUp || _session.Time.GetTimestamp() >= Interlocked.Read(ref _retryAt);

    /// <summary>Open connections now.</summary>
    public int OpenConnections => _connections.Count(c => c is { IsOpen: true });

    /// <summary>Connections opened so far (reconnections included).</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>The least busy open connection, opening connections up to the pool size as needed.</summary>
    public async Task<CqlConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var best = LeastBusy(out var missing);
        if (best is not null && (missing == 0 || best.InFlight == 0))
        {
            return best;
        }

        if (!IsUp && _session.Time.GetTimestamp() < Interlocked.Read(ref _retryAt))
        {
            return best ?? throw new CqlConnectionException($"{EndPoint} is down; the next attempt to reach it is after a backoff.");
        }

        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            best = LeastBusy(out missing);
            if (best is not null && (missing == 0 || best.InFlight == 0))
            {
                return best;
            }

            var slot = Array.FindIndex(_connections, c => c is not { IsOpen: true });
            var connection = new CqlConnection(EndPoint, _session.Settings.Connection, _session.Time, _logger);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CqlConnectionException e)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                MarkDown();
                LogUnreachable(_logger, EndPoint, _backoff.TotalSeconds, e.Message);
                if (best is not null)
                {
                    return best;
                }

                throw;
            }

            _connections[slot] = connection;
            ConnectionsOpened++;
            IsUp = true;
            _backoff = _session.Settings.ReconnectBase;
            return connection;
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <summary>Marks the node down and schedules the next attempt after the current backoff, which then doubles.</summary>
    public void MarkDown()
    {
        IsUp = false;
        var wait = _backoff;
        Interlocked.Exchange(ref _retryAt, _session.Time.GetTimestamp() + (long)(wait.TotalSeconds * _session.Time.TimestampFrequency));
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _session.Settings.ReconnectMax.Ticks));
    }

    /// <summary>The node was announced up: try it on the next use.</summary>
    public void MarkUp()
    {
        IsUp = true;
        Interlocked.Exchange(ref _retryAt, 0);
        _backoff = _session.Settings.ReconnectBase;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        for (var i = 0; i < _connections.Length; i++)
        {
            if (_connections[i] is { } connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private CqlConnection? LeastBusy(out int missing)
    {
        CqlConnection? best = null;
        missing = 0;
        foreach (var connection in _connections)
        {
            if (connection is not { IsOpen: true })
            {
                missing++;
                continue;
            }

            if (best is null || connection.InFlight < best.InFlight)
            {
                best = connection;
            }
        }

        return best;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cassandra {EndPoint} is unreachable; next attempt in {Seconds} s: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, IPEndPoint endPoint, double seconds, string reason);
}

using System.Collections.Concurrent;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// One Cassandra backend instance: the session, the options, the statements prepared once, and failures turned into
/// <see cref="StorageException"/> with a reason and whether a retry may help.
/// </summary>
internal sealed partial class CassandraStore : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<CqlPreparedStatement>> _statements = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public CassandraStore(CassandraStorageOptions options, CqlSession session, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options;
        Session = session;
        Time = time;
        _logger = loggerFactory.CreateLogger("Jaeger.Storage.Cassandra");
        Rows = new SpanRows(new JaegerUdts(options.Keyspace));
        if (!CassandraConsistency.TryParse(options.Consistency, out var consistency))
        {
            throw new ArgumentException($"Jaeger:Storage:Cassandra:Consistency '{options.Consistency}' is not a consistency level.", nameof(options));
        }

        Consistency = consistency;
    }

    public CassandraStorageOptions Options { get; }

    public CqlSession Session { get; }

    public TimeProvider Time { get; }

    public SpanRows Rows { get; }

    public CqlConsistency Consistency { get; }

    /// <summary>Service names written, with when the write cache forgets them (cleared by a purge).</summary>
    public ConcurrentDictionary<string, long> ServicesWritten { get; } = new(StringComparer.Ordinal);

    /// <summary>(service, span kind, operation) written, with when the write cache forgets them (cleared by a purge).</summary>
    public ConcurrentDictionary<(string Service, string SpanKind, string Operation), long> OperationsWritten { get; } = new();

    /// <summary>Forgets every name written: the next span carrying one writes it again.</summary>
    public void ForgetWrittenNames()
    {
        ServicesWritten.Clear();
        OperationsWritten.Clear();
    }

    /// <summary>Connects, and creates the schema when asked.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Session.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (Options.Schema.Create)
            {
                foreach (var statement in JaegerSchema.Statements(Options))
                {
                    await Session.QueryOnControlAsync(statement, cancellationToken).ConfigureAwait(false);
                }

                LogSchemaCreated(_logger, Options.Keyspace);

                // The keyspace exists now: read its replication for routing.
                await Session.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (Translate(e) is { } storage)
        {
            throw storage;
        }
    }

    public Task<CqlPreparedStatement> PrepareAsync(string query, CancellationToken cancellationToken)
    {
        var task = _statements.GetOrAdd(query, q => Session.PrepareAsync(q, CancellationToken.None));
        if (task.IsFaulted || task.IsCanceled)
        {
            _statements.TryRemove(new KeyValuePair<string, Task<CqlPreparedStatement>>(query, task));
            task = _statements.GetOrAdd(query, q => Session.PrepareAsync(q, CancellationToken.None));
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Executes an idempotent statement (every statement of the span store is one).</summary>
    public async Task<CqlResult> ExecuteAsync(string query, object?[] values, CancellationToken cancellationToken, int pageSize = 0, long? timestamp = null, CqlConsistency? consistency = null)
    {
        try
        {
            var statement = await PrepareAsync(query, cancellationToken).ConfigureAwait(false);
            return await Session.ExecuteAsync(statement, values, new CqlExecution(consistency ?? Consistency, Idempotent: true, PageSize: pageSize, DefaultTimestamp: timestamp), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } storage)
        {
            throw storage;
        }
    }

    /// <summary>Executes an idempotent prepared statement whose query parameters the caller encoded (<see cref="Spans.SpanStatementEncoder"/>).</summary>
    public async Task<CqlResult> ExecuteEncodedAsync(CqlPreparedStatement statement, ReadOnlyMemory<byte> parameters, long? token, CancellationToken cancellationToken)
    {
        try
        {
            return await Session.ExecuteEncodedAsync(statement, parameters, token, idempotent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } storage)
        {
            throw storage;
        }
    }

    /// <summary>Executes a lightweight transaction (IF ...): not idempotent, so never retried; serial consistency SERIAL as gocql's default.</summary>
    public async Task<CqlResult> ExecuteLwtAsync(string query, object?[] values, CancellationToken cancellationToken)
    {
        try
        {
            var statement = await PrepareAsync(query, cancellationToken).ConfigureAwait(false);
            return await Session.ExecuteAsync(statement, values, new CqlExecution(Consistency, Idempotent: false, SerialConsistency: CqlConsistency.Serial), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } storage)
        {
            throw storage;
        }
    }

    /// <summary>Every row of a statement, page by page (pages of 5000, gocql's default).</summary>
    public async Task ForEachRowAsync(string query, object?[] values, Action<CqlRows, int> onRow, CancellationToken cancellationToken)
    {
        try
        {
            var statement = await PrepareAsync(query, cancellationToken).ConfigureAwait(false);
            await Session.ExecutePagedAsync(statement, values, new CqlExecution(Consistency, Idempotent: true, PageSize: 5000), rows =>
            {
                for (var i = 0; i < rows.RowCount; i++)
                {
                    onRow(rows, i);
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } storage)
        {
            throw storage;
        }
    }

    public long NowMicros() => Time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    public ValueTask DisposeAsync() => Session.DisposeAsync();

    /// <summary>A failure as the storage contract reports it; null for cancellation and for exceptions already translated.</summary>
    internal static StorageException? Translate(Exception e) => e switch
    {
        StorageException => null,
        OperationCanceledException => null,
        CqlServerException { Code: CqlErrorCode.Overloaded } s => new StorageException("overloaded", s.Message, isTransient: true, s),
        CqlServerException { Code: CqlErrorCode.ReadTimeout or CqlErrorCode.WriteTimeout } s => new StorageException("timeout", s.Message, isTransient: true, s),
        CqlServerException { Code: CqlErrorCode.Unavailable or CqlErrorCode.IsBootstrapping } s => new StorageException("unavailable", s.Message, isTransient: true, s),
        CqlServerException { Code: CqlErrorCode.ReadFailure or CqlErrorCode.WriteFailure or CqlErrorCode.ServerError } s => new StorageException("server_error", s.Message, isTransient: true, s),
        CqlServerException { Code: CqlErrorCode.Unauthorized or CqlErrorCode.AuthenticationError } s => new StorageException("unauthorized", s.Message, isTransient: false, s),
        CqlServerException s => new StorageException("rejected", s.Message, isTransient: false, s),
        CqlAuthenticationException a => new StorageException("unauthorized", a.Message, isTransient: false, a),
        CqlConnectionException c => new StorageException("connection", c.Message, isTransient: true, c),
        CqlProtocolException p => new StorageException("protocol", p.Message, isTransient: true, p),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Jaeger's Cassandra schema v004 is in keyspace {Keyspace}")]
    private static partial void LogSchemaCreated(ILogger logger, string keyspace);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Jaeger's adaptive-sampling tables: <c>operation_throughput</c> (a random bucket 0-9, a time UUID, CSV lines
/// <c>service,operation,count,"p1,p2"</c>) and <c>sampling_probabilities</c> (bucket 1, a time UUID, the host, CSV
/// lines <c>service,operation,probability,qps</c>), written and read in Jaeger's formats (Go's encoding/csv, floats in
/// shortest fixed notation). Throughput is read with inclusive-exclusive time UUID bounds, as the contract's [start, end).
/// </summary>
internal sealed class CassandraSamplingStore(CassandraStore store) : ISamplingStore, ILeaseStore
{
    public const string InsertThroughput = "INSERT INTO operation_throughput(bucket, ts, throughput) VALUES (?, ?, ?)";
    public const string SelectThroughput = "SELECT throughput FROM operation_throughput WHERE bucket IN (0,1,2,3,4,5,6,7,8,9) AND ts >= ? AND ts < ?";
    public const string InsertProbabilities = "INSERT INTO sampling_probabilities(bucket, ts, hostname, probabilities) VALUES (?, ?, ?, ?)";
    public const string SelectLatestProbabilities = "SELECT probabilities FROM sampling_probabilities WHERE bucket = 1 LIMIT 1";
    public const string InsertLease = "INSERT INTO leases (name, owner) VALUES (?,?) IF NOT EXISTS USING TTL ?";
    public const string ExtendLease = "UPDATE leases USING TTL ? SET owner = ? WHERE name = ? IF owner = ?";
    public const string DeleteLease = "DELETE FROM leases WHERE name = ? IF owner = ?";

    private static readonly byte[] MinClockSeqAndNode = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80];

    public async ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(throughput);
        var csv = new StringBuilder();
        foreach (var t in throughput)
        {
            WriteCsvLine(csv, t.Service, t.Operation, t.Count.ToString(CultureInfo.InvariantCulture), string.Join(',', t.Probabilities.Select(FormatFixed)));
        }

        var now = store.Time.GetUtcNow();
        var bucket = (int)(now.UtcTicks % 10);
        await store.ExecuteAsync(InsertThroughput, [bucket, TimeUuid(now, RandomNumberGenerator.GetBytes(8)), csv.ToString()], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        var result = await store.ExecuteAsync(SelectThroughput, [TimeUuid(start, MinClockSeqAndNode), TimeUuid(end, MinClockSeqAndNode)], cancellationToken).ConfigureAwait(false);
        var list = new List<OperationThroughput>();
        for (var row = 0; row < (result.Rows?.RowCount ?? 0); row++)
        {
            foreach (var fields in ReadCsv(result.Rows!.Get(row, 0) as string ?? string.Empty))
            {
                if (fields.Count == 4 && long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
                {
                    var probabilities = fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries)
                        .Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)
                        .Where(v => !double.IsNaN(v)).ToList();
                    list.Add(new OperationThroughput(fields[0], fields[1], count, probabilities));
                }
            }
        }

        return list;
    }

    public async ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(qps);
        var csv = new StringBuilder();
        foreach (var (service, operations) in probabilities)
        {
            foreach (var (operation, probability) in operations)
            {
                var rate = qps.TryGetValue(service, out var rates) && rates.TryGetValue(operation, out var r) ? r : 0.0;
                WriteCsvLine(csv, service, operation, FormatFixed(probability), FormatFixed(rate));
            }
        }

        await store.ExecuteAsync(InsertProbabilities, [1, TimeUuid(store.Time.GetUtcNow(), RandomNumberGenerator.GetBytes(8)), hostname, csv.ToString()], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken = default)
    {
        var result = await store.ExecuteAsync(SelectLatestProbabilities, [], cancellationToken).ConfigureAwait(false);
        var values = new ServiceOperationValues();
        if (result.Rows is { RowCount: > 0 } rows)
        {
            foreach (var fields in ReadCsv(rows.Get(0, 0) as string ?? string.Empty))
            {
                if (fields.Count == 4 && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var probability))
                {
                    values.Set(fields[0], fields[1], probability);
                }
            }
        }

        return values;
    }

    public async ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(ttl.TotalSeconds));
        var inserted = await store.ExecuteLwtAsync(InsertLease, [resource, owner, seconds], cancellationToken).ConfigureAwait(false);
        if (Applied(inserted))
        {
            return true;
        }

        // Held already: by us, extend it (Jaeger's lock does the same); by another owner, give up.
        var holder = inserted.Rows is { RowCount: > 0 } rows && rows.Columns.Any(c => c.Name == "owner") ? rows.Get(0, rows.ColumnIndex("owner")) as string : null;
        if (holder != owner)
        {
            return false;
        }

        return Applied(await store.ExecuteLwtAsync(ExtendLease, [seconds, owner, resource, owner], cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken = default) =>
        Applied(await store.ExecuteLwtAsync(DeleteLease, [resource, owner], cancellationToken).ConfigureAwait(false));

    /// <summary>A version-1 UUID of <paramref name="time"/> with the given clock sequence and node (8 bytes).</summary>
    internal static Guid TimeUuid(DateTimeOffset time, ReadOnlySpan<byte> clockSeqAndNode)
    {
        var ticks = (time.UtcTicks - new DateTimeOffset(1582, 10, 15, 0, 0, 0, TimeSpan.Zero).UtcTicks);
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)ticks);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], (ushort)(ticks >> 32));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(((ticks >> 48) & 0x0FFF) | 0x1000));
        clockSeqAndNode[..8].CopyTo(bytes[8..]);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that round-trip, never in exponent form.</summary>
    internal static string FormatFixed(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        var negative = text.StartsWith('-');
        var mantissa = text[(negative ? 1 : 0)..e].Replace(".", string.Empty, StringComparison.Ordinal);
        var point = text[(negative ? 1 : 0)..e].IndexOf('.', StringComparison.Ordinal) is var p and >= 0 ? p : mantissa.Length;
        point += int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var digits = point <= 0 ? "0." + new string('0', -point) + mantissa
            : point >= mantissa.Length ? mantissa + new string('0', point - mantissa.Length)
            : mantissa[..point] + "." + mantissa[point..];
        return (negative ? "-" : string.Empty) + digits;
    }

    /// <summary>One record as Go's encoding/csv writes it: quoted only when needed, quotes doubled, "\n" ended.</summary>
    internal static void WriteCsvLine(StringBuilder csv, params string[] fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            var field = fields[i];
            var quote = field.Length > 0 && (field == "\\." || field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || char.IsWhiteSpace(field[0]));
            if (quote)
            {
                csv.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                csv.Append(field);
            }
        }

        csv.Append('\n');
    }

    internal static List<List<string>> ReadCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    record.Add(field.ToString());
                    records.Add(record);
                    record = [];
                    field.Clear();
                    any = false;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }

        if (any || field.Length > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }

    private static bool Applied(CqlResult result) => result.Rows is { RowCount: > 0 } rows && rows.Get(0, 0) is true;
}

using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse;
using Jaeger.Storage.ClickHouse.Shared;
using Jaeger.Storage.ClickHouse.Writing;

namespace Jaeger.Benchmarks.Storage.ClickHouse;

/// <summary>
/// The client side of a ClickHouse INSERT of 1,000 spans (100 traces of 10 spans, 11 tags each, 10 processes: the
/// shape of Jaeger's BENCHMARKING.md and of the store's measurement), before and after the writer encoded RowBinary
/// itself. "Rows" is building what goes to the driver; "Insert" adds the driver's serialization, compression and HTTP
/// request, sent to an in-memory handler that reads the body and answers as ClickHouse would, so no server time counts.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClickHouseInsertBenchmarks
{
    private const int Spans = 1_000;

    private List<Batch> _batches = null!;
    private ClickHouseDatabase _database = null!;

    [GlobalSetup]
    public void Setup()
    {
        var processes = BenchmarkTraces.Processes();
        var start = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
        _batches = [.. Enumerable.Range(0, Spans / 10).Select(t => new Batch(processes[t % 10], BenchmarkTraces.Trace(t, processes[t % 10], start)))];

        _database = new ClickHouseDatabase(new ClickHouseStorageOptions { Endpoint = "http://clickhouse.invalid:8123/" }, new HttpClient(new DrainingHandler()));
    }

    [GlobalCleanup]
    public void Cleanup() => _database.Dispose();

    [Benchmark(Baseline = true, Description = "object rows (before)")]
    [BenchmarkCategory("Rows")]
    public List<object[]> ObjectRows() => BuildObjectRows();

    [Benchmark(Description = "RowBinary bytes (after)")]
    [BenchmarkCategory("Rows")]
    public int RowBinary()
    {
        using var buffer = Encode();
        return buffer.Length;
    }

    [Benchmark(Baseline = true, Description = "object rows + driver InsertBinaryAsync (before)")]
    [BenchmarkCategory("Insert")]
    public Task<long> InsertObjectRows() => _database.InsertAsync("insert", "spans", SpanRows.Columns, BuildObjectRows(), CancellationToken.None);

    [Benchmark(Description = "RowBinary bytes + driver raw-stream insert (after)")]
    [BenchmarkCategory("Insert")]
    public async Task InsertRowBinary()
    {
        using var buffer = Encode();
        await _database.InsertRowBinaryAsync("insert", "spans", SpanRows.Columns, buffer, CancellationToken.None);
    }

    private List<object[]> BuildObjectRows()
    {
        var rows = new List<object[]>(Spans);
        foreach (var batch in _batches)
        {
            var resource = new BaselineResourceAttributes(batch.Process);
            foreach (var span in batch.Spans)
            {
                rows.Add(BaselineSpanRows.ToRow(span, batch.Process, resource, out _));
            }
        }

        return rows;
    }

    private RowBinaryBuffer Encode()
    {
        var buffer = new RowBinaryBuffer();
        foreach (var batch in _batches)
        {
            var resource = SpanRows.EncodeResource(batch.Process);
            foreach (var span in batch.Spans)
            {
                SpanRows.Write(buffer, span, resource);
            }
        }

        return buffer;
    }

    /// <summary>
    /// Reads each request body to the end and answers 200: empty for an INSERT, and for the driver's column probe
    /// (<c>SELECT ... WHERE 1=0</c> in RowBinaryWithNamesAndTypes) the names and types of the spans table's columns.
    /// </summary>
    private sealed class DrainingHandler : HttpMessageHandler
    {
        private static readonly byte[] ProbeAnswer = ColumnHeader();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var isInsert = request.RequestUri!.Query.Contains("INSERT", StringComparison.OrdinalIgnoreCase);
            if (request.Content is not null)
            {
                await request.Content.CopyToAsync(Stream.Null, cancellationToken);
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(isInsert ? [] : ProbeAnswer) };
            response.Headers.Add("X-ClickHouse-Format", "RowBinaryWithNamesAndTypes");
            return response;
        }

        private static byte[] ColumnHeader()
        {
            using var buffer = new RowBinaryBuffer();
            buffer.WriteLength(SpanRows.Columns.Length);
            foreach (var column in SpanRows.Columns)
            {
                buffer.WriteString(column);
            }

            foreach (var column in SpanRows.Columns)
            {
                buffer.WriteString(TypeOf(column));
            }

            return buffer.Written.ToArray();
        }

        // The types ClickHouse 26.7 reports for Jaeger v2's spans table (system.columns).
        private static string TypeOf(string column) => column switch
        {
            "start_time" => "DateTime64(9)",
            "duration" => "Int64",
            "flags" => "UInt32",
            "events.timestamp" => "Array(DateTime64(9))",
            "events.dropped_attributes_count" or "links.dropped_attributes_count" or "links.flags" => "Array(UInt32)",
            _ when column.StartsWith("events.", StringComparison.Ordinal) && column.EndsWith("_attributes", StringComparison.Ordinal) => NestedOf(column),
            _ when column.StartsWith("links.", StringComparison.Ordinal) && column.EndsWith("_attributes", StringComparison.Ordinal) => NestedOf(column),
            _ when column.EndsWith(".value", StringComparison.Ordinal) => $"Array({ValueType(column)})",
            _ when column.Contains('.', StringComparison.Ordinal) => "Array(String)",
            _ => "String",
        };

        private static string NestedOf(string column) => $"Array(Nested(key String, value {ValueType(column)}))";

        private static string ValueType(string column) =>
            column.Contains("bool_", StringComparison.Ordinal) ? "Bool"
            : column.Contains("double_", StringComparison.Ordinal) ? "Float64"
            : column.Contains("int_", StringComparison.Ordinal) ? "Int64"
            : "String";
    }
}

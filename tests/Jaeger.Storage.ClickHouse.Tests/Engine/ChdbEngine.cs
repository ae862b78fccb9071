using System.Runtime.InteropServices;
using System.Text;
using Jaeger.Testing;

namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>
/// A real ClickHouse engine in this process: chDB's <c>libchdb.so</c> (ClickHouse 26.7) from the npm package
/// <c>chdb</c>, called through its C API. One data path per process, so the whole test assembly shares
/// <see cref="Shared"/>; calls are serialized (the engine's connection is not safe for concurrent queries).
/// </summary>
internal sealed unsafe class ChdbEngine : IDisposable
{
    private static readonly Lazy<ChdbEngine?> SharedEngine = new(Open);

    private readonly Lock _gate = new();
    private readonly IntPtr _library;
    private readonly delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, IntPtr> _queryN;
    private readonly delegate* unmanaged<IntPtr, IntPtr> _resultBuffer;
    private readonly delegate* unmanaged<IntPtr, nuint> _resultLength;
    private readonly delegate* unmanaged<IntPtr, IntPtr> _resultError;
    private readonly delegate* unmanaged<IntPtr, void> _destroyResult;
    private readonly delegate* unmanaged<IntPtr, void> _closeConnection;
    private readonly delegate* unmanaged<IntPtr, ulong> _storageRowsRead;
    private readonly delegate* unmanaged<IntPtr, ulong> _storageBytesRead;
    private IntPtr _connectionHandle;

    private ChdbEngine(IntPtr library, string dataPath)
    {
        _library = library;
        DataPath = dataPath;
        var connect = (delegate* unmanaged<int, IntPtr*, IntPtr>)NativeLibrary.GetExport(library, "chdb_connect");
        _queryN = (delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, IntPtr>)NativeLibrary.GetExport(library, "chdb_query_n");
        _resultBuffer = (delegate* unmanaged<IntPtr, IntPtr>)NativeLibrary.GetExport(library, "chdb_result_buffer");
        _resultLength = (delegate* unmanaged<IntPtr, nuint>)NativeLibrary.GetExport(library, "chdb_result_length");
        _resultError = (delegate* unmanaged<IntPtr, IntPtr>)NativeLibrary.GetExport(library, "chdb_result_error");
        _destroyResult = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(library, "chdb_destroy_query_result");
        _closeConnection = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(library, "chdb_close_conn");
        _storageRowsRead = (delegate* unmanaged<IntPtr, ulong>)NativeLibrary.GetExport(library, "chdb_result_storage_rows_read");
        _storageBytesRead = (delegate* unmanaged<IntPtr, ulong>)NativeLibrary.GetExport(library, "chdb_result_storage_bytes_read");

        // The .NET runtime owns SIGSEGV and friends (null references are signals); ClickHouse must not take them.
        if (NativeLibrary.TryGetExport(library, "chdb_set_signal_handlers_enabled", out var setSignals))
        {
            ((delegate* unmanaged<byte, void>)setSignals)(0);
        }

        var args = new[] { "clickhouse", $"--path={dataPath}" };
        var argv = stackalloc IntPtr[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            argv[i] = Marshal.StringToCoTaskMemUTF8(args[i]);
        }

        try
        {
            _connectionHandle = connect(args.Length, argv);
        }
        finally
        {
            for (var i = 0; i < args.Length; i++)
            {
                Marshal.FreeCoTaskMem(argv[i]);
            }
        }

        if (_connectionHandle == IntPtr.Zero || *(IntPtr*)_connectionHandle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"chdb_connect failed for {dataPath}.");
        }

        // Inserts complete before the call returns (materialized views included), as a server's synchronous insert.
        Query("SET async_insert = 0", "TSV");
    }

    /// <summary>Where <c>libchdb.so</c> is expected: installed by <c>npm install</c> in this project's npm folder.</summary>
    public static string LibraryPath => Path.Combine(RepositoryPaths.Root, "tests", "Jaeger.Storage.ClickHouse.Tests", "npm", "node_modules", "@chdb", "lib-linux-x64-gnu", "libchdb.so");

    /// <summary>Why the engine is missing (for skip reasons), or null when it is installed.</summary>
    public static string? MissingReason =>
        !OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64
            ? "the chDB engine used here is linux-x64 only"
            : File.Exists(LibraryPath) ? null : $"chDB engine not installed: run `npm install` in tests/Jaeger.Storage.ClickHouse.Tests/npm (looked for {LibraryPath})";

    /// <summary>The process-wide engine, or null when it is not installed.</summary>
    public static ChdbEngine? Shared => SharedEngine.Value;

    public string DataPath { get; }

    /// <summary>Stopwatch ticks spent in INSERT statements so far (the engine's share of the write path, for measurements).</summary>
    public long InsertTicks { get; private set; }

    /// <summary>When set, INSERTs also count the CPU of the calling thread (<see cref="InsertCallerCpuTicks"/>).</summary>
    public bool MeasureCpu { get; set; }

    /// <summary>CPU clock ticks (10 ms) the calling threads spent inside INSERT statements while <see cref="MeasureCpu"/> was set.</summary>
    public long InsertCallerCpuTicks { get; private set; }

    /// <summary>
    /// What SELECT statements (including those that open with WITH) read from tables so far (rows, uncompressed bytes, statements), as a server's query log
    /// counts <c>read_rows</c> and <c>read_bytes</c>: a measure of a query's work that does not depend on the machine's load.
    /// </summary>
    public (long Rows, long Bytes, long Statements) SelectReads
    {
        get
        {
            lock (_gate)
            {
                return (_selectRows, _selectBytes, _selects);
            }
        }
    }

    private long _selectRows;
    private long _selectBytes;
    private long _selects;

    /// <summary>Runs one statement; the result in <paramref name="format"/>, or <see cref="ChdbQueryException"/>.</summary>
    public byte[] Query(string sql, string format)
    {
        var sqlBytes = Encoding.UTF8.GetBytes(sql);
        var formatBytes = Encoding.UTF8.GetBytes(format);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_connectionHandle == IntPtr.Zero, this);
            IntPtr result;
            var isInsert = sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase);
            var cpuBefore = isInsert && MeasureCpu ? ThreadCpu.CurrentThreadTicks() : 0;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            fixed (byte* q = sqlBytes)
            fixed (byte* f = formatBytes)
            {
                result = _queryN(*(IntPtr*)_connectionHandle, q, (nuint)sqlBytes.Length, f, (nuint)formatBytes.Length);
            }

            var elapsed = System.Diagnostics.Stopwatch.GetTimestamp() - started;
            if (isInsert)
            {
                InsertTicks += elapsed;
                if (MeasureCpu)
                {
                    InsertCallerCpuTicks += ThreadCpu.CurrentThreadTicks() - cpuBefore;
                }
            }

            if (Environment.GetEnvironmentVariable("CHDB_TRACE") == "1")
            {
                Console.WriteLine($"ENGINE {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms {sql[..Math.Min(80, sql.Length)].ReplaceLineEndings(" ")}");
            }

            if (result == IntPtr.Zero)
            {
                throw new ChdbQueryException(1001, "chdb_query returned no result");
            }

            try
            {
                var error = _resultError(result);
                if (error != IntPtr.Zero)
                {
                    var message = Marshal.PtrToStringUTF8(error) ?? "unknown error";
                    throw new ChdbQueryException(ChdbQueryException.ParseCode(message), message);
                }

                var statement = sql.AsSpan().TrimStart();
                if (statement.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || statement.StartsWith("WITH", StringComparison.OrdinalIgnoreCase))
                {
                    _selectRows += (long)_storageRowsRead(result);
                    _selectBytes += (long)_storageBytesRead(result);
                    _selects++;
                }

                var length = checked((int)_resultLength(result));
                var buffer = _resultBuffer(result);
                var bytes = new byte[length];
                if (length > 0)
                {
                    new ReadOnlySpan<byte>((void*)buffer, length).CopyTo(bytes);
                }

                return bytes;
            }
            finally
            {
                _destroyResult(result);
            }
        }
    }

    /// <summary>Runs a statement whose result is text.</summary>
    public string QueryText(string sql) => Encoding.UTF8.GetString(Query(sql, "TSV"));

    public void Dispose()
    {
        lock (_gate)
        {
            if (_connectionHandle != IntPtr.Zero)
            {
                _closeConnection(_connectionHandle);
                _connectionHandle = IntPtr.Zero;
            }
        }

        GC.KeepAlive(_library);
    }

    private static ChdbEngine? Open()
    {
        if (MissingReason is not null)
        {
            return null;
        }

        var library = NativeLibrary.Load(LibraryPath);
        // tmpfs when the machine has one: the tests' many small INSERTs each write parts to several tables.
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dataPath = Path.Combine(root, $"jaeger-chdb-{Environment.ProcessId}");
        if (Directory.Exists(dataPath))
        {
            Directory.Delete(dataPath, recursive: true);
        }

        Directory.CreateDirectory(dataPath);
        var engine = new ChdbEngine(library, dataPath);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            engine.Dispose();
            try
            {
                Directory.Delete(dataPath, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        };
        return engine;
    }
}

/// <summary>A statement the engine refused, with ClickHouse's error code.</summary>
internal sealed class ChdbQueryException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static int ParseCode(string message)
    {
        var at = message.IndexOf("Code: ", StringComparison.Ordinal);
        if (at < 0)
        {
            return 1001;
        }

        var start = at + 6;
        var end = start;
        while (end < message.Length && char.IsAsciiDigit(message[end]))
        {
            end++;
        }

        return end > start ? int.Parse(message.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture) : 1001;
    }
}

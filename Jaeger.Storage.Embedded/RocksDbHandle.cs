using RocksDbSharp;

namespace Jaeger.Storage.Embedded;

/// <summary>
/// One open RocksDB database with the store's column families and tuning: a bounded block cache of data blocks shared
/// by all column families, bounded memtables, LZ4 on upper levels and ZSTD on the last, a prefix Bloom filter on spans
/// (a trace in a bucket is one prefix), and the write-ahead log on.
/// </summary>
internal sealed class RocksDbHandle : IDisposable
{
    public const string SpansFamily = "spans";
    public const string IndexFamily = "index";

    /// <summary>RocksDB's own diagnostic log, in a subfolder so that it never touches a data file (it rotates on open).</summary>
    public const string LogFolder = "logs";

    // Kept referenced while the database is open: RocksDbSharp's option objects free native memory when collected.
    private readonly DbOptions _dbOptions;
    private readonly ColumnFamilyOptions _defaultOptions;
    private readonly ColumnFamilyOptions _spansOptions;
    private readonly ColumnFamilyOptions _indexOptions;
    private readonly BlockBasedTableOptions _spansTable;
    private readonly BlockBasedTableOptions _indexTable;
    private readonly Cache _cache;

    public RocksDbHandle(string path, EmbeddedStorageOptions options)
    {
        _cache = Cache.CreateLru((ulong)options.BlockCacheBytes);

        // The spans and index column families take half of each write buffer each, so all their memtables together
        // (active and being flushed) never exceed WriteBufferBytes x MaxWriteBuffers; the default family's are 1 MiB.
        var writeBuffer = (ulong)options.WriteBufferBytes / 2;
        var buffers = options.MaxWriteBuffers;

        // Index and filter blocks stay with their open files, outside the block cache: every trace load and index walk
        // seeks them, and charged to a 64 MiB cache they were evicted and read again (and decompressed) on every seek,
        // which made a search with 5,000,000 spans stored take 250-400 ms instead of 1-2 ms. They take about half a byte
        // per stored span (2.5 MB for 5,000,000 compacted spans), bounded by the open-file limit below.
        _spansTable = new BlockBasedTableOptions()
            .SetBlockCache(_cache)
            .SetBlockSize(16 * 1024)
            .SetCacheIndexAndFilterBlocks(false)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetWholeKeyFiltering(false);
        _indexTable = new BlockBasedTableOptions()
            .SetBlockCache(_cache)
            .SetBlockSize(16 * 1024)
            .SetCacheIndexAndFilterBlocks(false);

        _spansOptions = new ColumnFamilyOptions();
        Tune(_spansOptions, writeBuffer, buffers);
        _spansOptions.SetBlockBasedTableFactory(_spansTable)
            .SetPrefixExtractor(SliceTransform.CreateFixedPrefix(Encoding.Keys.TracePrefixLength))
            .SetMemtablePrefixBloomSizeRatio(0.05);

        _indexOptions = new ColumnFamilyOptions();
        Tune(_indexOptions, writeBuffer, buffers);
        _indexOptions.SetBlockBasedTableFactory(_indexTable);

        _defaultOptions = new ColumnFamilyOptions();
        _defaultOptions.SetWriteBufferSize(1024 * 1024).SetMaxWriteBufferNumber(2);

        _dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetMaxBackgroundCompactions(2)
            .SetMaxBackgroundFlushes(1)
            .SetKeepLogFileNum(3)
            .SetMaxLogFileSize(4 * 1024 * 1024)
            .SetMaxOpenFiles(512)
            .SetInfoLogLevel(InfoLogLevel.Warn)
            .SetWalRecoveryMode(Recovery.PointInTime)
            .SetDbLogDir(Path.Combine(path, LogFolder));

        // Several collector workers write at once: the log and the memtables are written in a pipeline.
        Native.Instance.rocksdb_options_set_enable_pipelined_write(_dbOptions.Handle, 1);

        // The write-ahead log holds what the memtables hold: a stop does not flush them (the next open replays the log).
        Native.Instance.rocksdb_options_set_avoid_flush_during_shutdown(_dbOptions.Handle, 1);

        // Every memtable of every column family together stays under the budget the options give.
        _dbOptions.SetDbWriteBufferSize(writeBuffer * 2 * (ulong)buffers);
        _dbOptions.SetMaxTotalWalSize(writeBuffer * 4 * (ulong)buffers);

        var families = new ColumnFamilies(_defaultOptions)
        {
            { SpansFamily, _spansOptions },
            { IndexFamily, _indexOptions },
        };
        Db = RocksDb.Open(_dbOptions, path, families);
        Spans = Db.GetColumnFamily(SpansFamily);
        Index = Db.GetColumnFamily(IndexFamily);
        Default = Db.GetDefaultColumnFamily();
    }

    public RocksDb Db { get; }

    public ColumnFamilyHandle Spans { get; }

    public ColumnFamilyHandle Index { get; }

    public ColumnFamilyHandle Default { get; }

    /// <summary>Bytes the block cache holds now.</summary>
    public ulong CacheUsage => _cache.GetUsage();

    /// <summary>An integer property summed over the column families (for example <c>rocksdb.total-sst-files-size</c>).</summary>
    public long SumProperty(string name)
    {
        long sum = 0;
        foreach (var family in new[] { Default, Spans, Index })
        {
            if (long.TryParse(Db.GetProperty(name, family), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                sum += value;
            }
        }

        return sum;
    }

    public void Dispose()
    {
        // A stop must not wait for compactions to finish: running ones are abandoned (their input files stay valid)
        // and resume after the next open.
        Native.Instance.rocksdb_cancel_all_background_work(Db.Handle, 1);
        Db.Dispose();
        GC.KeepAlive(_dbOptions);
        GC.KeepAlive(_defaultOptions);
        GC.KeepAlive(_spansOptions);
        GC.KeepAlive(_indexOptions);
        GC.KeepAlive(_spansTable);
        GC.KeepAlive(_indexTable);
        GC.KeepAlive(_cache);
    }

    private static void Tune(ColumnFamilyOptions options, ulong writeBuffer, int buffers)
    {
        options.SetWriteBufferSize(writeBuffer)
            .SetMaxWriteBufferNumber(buffers)
            .SetTargetFileSizeBase(64 * 1024 * 1024)
            .SetMaxBytesForLevelBase(256 * 1024 * 1024)
            .SetLevel0FileNumCompactionTrigger(8)
            .SetCompression(Compression.Lz4);

        // Spans arrive faster than two cores can compress them twice: the first levels (rewritten soonest) stay
        // uncompressed, the levels that keep data for its lifetime are compressed (bottommost with zstd).
        var perLevel = new[] { Compression.No, Compression.No, Compression.Lz4, Compression.Lz4, Compression.Lz4, Compression.Lz4, Compression.Lz4 };
        Native.Instance.rocksdb_options_set_compression_per_level(options.Handle, Array.ConvertAll(perLevel, static c => (int)c), (UIntPtr)perLevel.Length);
        Native.Instance.rocksdb_options_set_bottommost_compression(options.Handle, (int)Compression.Zstd);
    }
}

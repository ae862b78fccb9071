using System.Buffers;
using System.Text.Json;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>What a bulk item holds, for counting failures.</summary>
internal enum BulkItemKind : byte
{
    Span,
    Service,
    Dependencies,
    Sampling,
}

/// <summary>
/// The bulk actions of one write call: NDJSON lines (an <c>index</c> action line, then the document line, each ending
/// with <c>\n</c>), the offset of each item, and the completion the caller awaits.
/// </summary>
internal sealed class BulkSegment
{
    private static readonly JsonWriterOptions WriterOptions = RawJsonWriter.Options;

    private readonly PooledBufferWriter _buffer = new(16 * 1024);
    private readonly List<int> _offsets = [];
    private readonly List<BulkItemKind> _kinds = [];
    private readonly Utf8JsonWriter _writer;
    private readonly RawJsonWriter _raw;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StorageException? _failure;
    private int _failures;
    private bool _allTransient = true;

    public BulkSegment()
    {
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        _raw = new RawJsonWriter(_buffer, _writer);
    }

    public int Count => _offsets.Count;

    public int Length => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> Data => _buffer.WrittenMemory;

    public Task Completion => _completion.Task;

    /// <summary>
    /// Gives the segment's buffer back to the pool once nothing can read it any more: when the segment is settled (its
    /// bulk answered) or was never submitted (no items). A segment still pending (its writer was cancelled while the
    /// bulk waits) keeps its buffer, which is then collected as garbage.
    /// </summary>
    public void ReleaseIfSettled()
    {
        if (Count == 0 || _completion.Task.IsCompleted)
        {
            _buffer.Return();
        }
    }

    /// <summary>Starts an item: writes its action line; the caller then writes the document with the returned writer and calls <see cref="EndItem"/>.</summary>
    public Utf8JsonWriter BeginItem(BulkItemKind kind, string index, string? id)
    {
        _offsets.Add(_buffer.WrittenCount);
        _kinds.Add(kind);
        if (id is null)
        {
            // Span documents have no id: their action line depends on the index alone, which changes once a day (or
            // hour), so its bytes are encoded once per index name and copied.
            _buffer.Write(ActionLine(index));
            return _writer;
        }

        _writer.WriteStartObject();
        _writer.WriteStartObject("index"u8);
        _writer.WriteString("_index"u8, index);
        if (id is not null)
        {
            _writer.WriteString("_id"u8, id);
        }

        _writer.WriteEndObject();
        _writer.WriteEndObject();
        EndLine();
        return _writer;
    }

    public void EndItem() => EndLine();

    /// <summary>
    /// Starts an item without id (a span document): writes its action line; the caller then writes the document with
    /// the returned writer and calls <see cref="EndRawItem"/>.
    /// </summary>
    public RawJsonWriter BeginRawItem(BulkItemKind kind, string index)
    {
        _offsets.Add(_buffer.WrittenCount);
        _kinds.Add(kind);
        _raw.Raw(ActionLine(index));
        return _raw;
    }

    /// <summary>Ends an item started with <see cref="BeginRawItem"/>.</summary>
    public void EndRawItem() => _raw.Raw("\n"u8);

    [ThreadStatic]
    private static (string Index, byte[] Line)? t_lastActionLine;

    /// <summary><c>{"index":{"_index":"…"}}\n</c> for <paramref name="index"/>, the last one cached per thread.</summary>
    private static byte[] ActionLine(string index)
    {
        if (t_lastActionLine is { } last && ReferenceEquals(last.Index, index))
        {
            return last.Line;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartObject("index"u8);
            w.WriteString("_index"u8, index);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        var line = buffer.WrittenSpan.ToArray();
        t_lastActionLine = (index, line);
        return line;
    }

    /// <summary>The bytes of item <paramref name="index"/> (action and document lines).</summary>
    public ReadOnlyMemory<byte> Item(int index)
    {
        var start = _offsets[index];
        var end = index + 1 < _offsets.Count ? _offsets[index + 1] : _buffer.WrittenCount;
        return _buffer.WrittenMemory[start..end];
    }

    public BulkItemKind Kind(int index) => _kinds[index];

    /// <summary>Records a failed item; the segment completes with the first failure once every item is settled.</summary>
    public void Fail(string reason, string message, bool transient)
    {
        lock (_completion)
        {
            _failures++;
            _allTransient &= transient;
            _failure ??= new StorageException(reason, message, transient);
        }
    }

    /// <summary>Fails the whole segment (the request failed).</summary>
    public void FailAll(StorageException exception) => _completion.TrySetException(exception);

    /// <summary>Completes the segment once its items are settled.</summary>
    public void Complete()
    {
        lock (_completion)
        {
            if (_failure is null)
            {
                _completion.TrySetResult();
                return;
            }

            var message = _failures == 1 ? _failure.Message : $"{_failures} of {Count} bulk items failed; first: {_failure.Message}";
            _completion.TrySetException(new StorageException(_failure.Reason, message, _allTransient));
        }
    }

    private void EndLine()
    {
        _writer.Flush();
        _writer.Reset();
        _buffer.Write("\n"u8);
    }
}

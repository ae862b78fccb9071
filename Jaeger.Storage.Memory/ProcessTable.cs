using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>
/// One instance of each distinct process (service and tags) among the stored traces, however many batches it came
/// in: every decoded batch brings its own <see cref="Process"/> with its own strings, and keeping each would cost more
/// than the spans. Counted per trace, so a process goes when its last trace is removed. Not thread-safe: the store
/// changes it under its write lock.
/// </summary>
internal sealed class ProcessTable
{
    private readonly Dictionary<Process, StoredProcess> _processes = new(ProcessComparer.Instance);

    public int Count => _processes.Count;

    /// <summary>The stored process equal to <paramref name="process"/>, added unreferenced when new.</summary>
    public StoredProcess Find(Process process)
    {
        if (!_processes.TryGetValue(process, out var stored))
        {
            stored = new StoredProcess(process, SpanSignature.ForProcess(process));
            _processes.Add(process, stored);
        }

        return stored;
    }

    /// <summary>Forgets every process (the store holds no trace any more).</summary>
    public void Clear() => _processes.Clear();

    /// <summary>One trace stopped referring to the process; the last one removes it.</summary>
    public void Release(StoredProcess process)
    {
        if (--process.Traces == 0)
        {
            _processes.Remove(process.Process);
        }
    }

    private sealed class ProcessComparer : IEqualityComparer<Process>
    {
        public static readonly ProcessComparer Instance = new();

        public bool Equals(Process? x, Process? y) => x!.Equals(y);

        // Process's own hash uses only the service and the tag count; hosts of one service differ in their tags.
        public int GetHashCode(Process process)
        {
            var hash = new HashCode();
            hash.Add(process.ServiceName);
            foreach (var tag in process.Tags)
            {
                hash.Add(tag);
            }

            return hash.ToHashCode();
        }
    }
}

/// <summary>A process as stored, with what searches need of it computed once.</summary>
internal sealed class StoredProcess
{
    public StoredProcess(Process process, ulong signature)
    {
        Process = process;
        Signature = signature;
    }

    public Process Process { get; }

    /// <summary>The <see cref="SpanSignature"/> bits of the service and process tags.</summary>
    public ulong Signature { get; }

    /// <summary>The traces that refer to it.</summary>
    public int Traces { get; set; }
}

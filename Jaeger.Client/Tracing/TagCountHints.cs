using System.Runtime.CompilerServices;

namespace Jaeger.Client.Tracing;

/// <summary>
/// Remembers, per operation name, how many tags its last sampled span finished with, so the next span of that
/// operation can collect its tags straight into an array of the final size (no copy at finish). A small table indexed
/// by the name's identity hash: names are usually the same string instances, and a miss only costs a copy.
/// Entries written by several threads may tear; a torn entry is a wrong guess, never a wrong result.
/// </summary>
internal sealed class TagCountHints
{
    private const int Size = 64;
    private readonly Entry[] _entries = new Entry[Size];

    /// <summary>The remembered count, or 0 when the name is not in the table.</summary>
    public int Get(string operationName)
    {
        ref var entry = ref _entries[RuntimeHelpers.GetHashCode(operationName) & (Size - 1)];
        return ReferenceEquals(entry.Name, operationName) ? entry.Count : 0;
    }

    public void Set(string operationName, int count)
    {
        ref var entry = ref _entries[RuntimeHelpers.GetHashCode(operationName) & (Size - 1)];
        if (!ReferenceEquals(entry.Name, operationName) || entry.Count != count)
        {
            entry.Count = count;
            entry.Name = operationName;
        }
    }

    private struct Entry
    {
        public string? Name;
        public int Count;
    }
}

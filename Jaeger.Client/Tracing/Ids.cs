using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Jaeger.Client.Tracing;

/// <summary>
/// Per-thread state of the hot path, reached with one thread-static lookup: a xoshiro256** generator seeded from
/// the OS for random non-zero ids, the reusable span builder and a scratch tag buffer.
/// </summary>
internal sealed class ThreadState
{
    [ThreadStatic]
    private static ThreadState? _current;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    private Jaeger.Model.KeyValue[]? _tagBuffer;

    public SpanBuilder? Builder { get; set; }

    public static ThreadState Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _current ?? Create();
    }

    /// <summary>The thread's scratch buffer for a span's tags (cleared), or null when a span on this thread holds it.</summary>
    public Jaeger.Model.KeyValue[]? TakeTagBuffer()
    {
        var buffer = _tagBuffer;
        _tagBuffer = null;
        return buffer;
    }

    /// <summary>Gives a cleared buffer back; the larger one is kept, up to a size worth keeping per thread.</summary>
    public void ReturnTagBuffer(Jaeger.Model.KeyValue[] buffer)
    {
        if (buffer.Length <= 64 && (_tagBuffer is null || _tagBuffer.Length < buffer.Length))
        {
            _tagBuffer = buffer;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ThreadState Create() => _current = new ThreadState();

    public ulong NextNonZeroId()
    {
        ulong value;
        do
        {
            value = Next();
        }
        while (value == 0);
        return value;
    }

    private ulong Next()
    {
        var s0 = _s0;
        var s1 = _s1;
        var s2 = _s2;
        var s3 = _s3;
        if ((s0 | s1 | s2 | s3) == 0)
        {
            Span<ulong> seed = stackalloc ulong[4];
            do
            {
                RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(seed));
            }
            while ((seed[0] | seed[1] | seed[2] | seed[3]) == 0);
            (s0, s1, s2, s3) = (seed[0], seed[1], seed[2], seed[3]);
        }

        var result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        _s0 = s0;
        _s1 = s1;
        _s2 = s2;
        _s3 = s3;
        return result;
    }
}

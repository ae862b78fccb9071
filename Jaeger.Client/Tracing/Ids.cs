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

    /// <summary>
    /// The unsampled span this thread handed out last when the tracer pools them: its next unsampled span reuses
    /// that object once it is finished.
    /// </summary>
    public UnsampledSpan? LastUnsampledSpan { get; set; }

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

    // Seeded once from the OS, so the generator itself never checks for an unseeded (all-zero) state.
    private ThreadState()
    {
        Span<ulong> seed = stackalloc ulong[4];
        do
        {
            RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(seed));
        }
        while ((seed[0] | seed[1] | seed[2] | seed[3]) == 0);
        (_s0, _s1, _s2, _s3) = (seed[0], seed[1], seed[2], seed[3]);
    }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Next()
    {
        var s0 = _s0;
        var s1 = _s1;
        var s2 = _s2 ^ s0;
        var s3 = _s3 ^ s1;
        var result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
        _s1 = s1 ^ s2;
        _s0 = s0 ^ s3;
        _s2 = s2 ^ (s1 << 17);
        _s3 = BitOperations.RotateLeft(s3, 45);
        return result;
    }
}

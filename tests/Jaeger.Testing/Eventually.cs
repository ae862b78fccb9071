using System.Diagnostics;

namespace Jaeger.Testing;

/// <summary>Waits for a condition with a deadline, checking it often; never a fixed sleep standing in for "the work is done".</summary>
public static class Eventually
{
    /// <summary>The default deadline: generous, because CI machines share two cores.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Returns once <paramref name="condition"/> is true; throws with <paramref name="what"/> when the deadline passes first.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (!condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0.#} s for: {what}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Returns once <paramref name="condition"/> is true; throws with <paramref name="what"/> when the deadline passes first.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (!await condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0.#} s for: {what}");
            }

            await Task.Delay(10);
        }
    }
}

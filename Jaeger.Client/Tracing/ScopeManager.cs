namespace Jaeger.Client.Tracing;

/// <summary>Tracks the active scope in an <see cref="AsyncLocal{T}"/>: activations flow into awaited calls and continuations, not back to callers.</summary>
internal sealed class AsyncLocalScopeManager : IScopeManager
{
    private readonly AsyncLocal<Scope?> _current = new();
    private volatile bool _everActivated;

    public IScope? Active => _everActivated ? _current.Value : null;

    // Until the first activation no flow can hold a scope, so span starts skip the AsyncLocal lookup.
    internal ISpan? ActiveSpan => _everActivated ? _current.Value?.Span : null;

    public IScope Activate(ISpan span, bool finishSpanOnDispose)
    {
        ArgumentNullException.ThrowIfNull(span);
        _everActivated = true;
        var scope = new Scope(this, span, finishSpanOnDispose, _current.Value);
        _current.Value = scope;
        return scope;
    }

    private sealed class Scope(AsyncLocalScopeManager manager, ISpan span, bool finishOnDispose, Scope? previous) : IScope
    {
        private int _disposed;

        public ISpan Span => span;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            // Only the innermost scope restores its predecessor; an out-of-order dispose leaves the current one alone.
            if (ReferenceEquals(manager._current.Value, this))
            {
                manager._current.Value = previous;
            }

            if (finishOnDispose)
            {
                span.Finish();
            }
        }
    }
}

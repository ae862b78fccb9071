namespace Jaeger.LoadGenerator.Accounting;

/// <summary>Reads a <c>/metrics</c> endpoint; an unreachable endpoint gives an empty snapshot and remembers why.</summary>
internal sealed class MetricsScraper(HttpClient http, Uri baseAddress)
{
    public Uri Url { get; } = new(baseAddress, "metrics");

    /// <summary>The last failure, or null when the last scrape worked.</summary>
    public string? LastError { get; private set; }

    public async Task<MetricSnapshot> ScrapeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var text = await http.GetStringAsync(Url, cancellationToken).ConfigureAwait(false);
            LastError = null;
            return MetricSnapshot.Parse(text);
        }
        catch (HttpRequestException e)
        {
            LastError = e.Message;
            return MetricSnapshot.Empty;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LastError = "timed out";
            return MetricSnapshot.Empty;
        }
    }
}

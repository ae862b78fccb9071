using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jaeger.Query.Api;

/// <summary>The meter <c>Jaeger.Query</c>: requests by endpoint and status, and their duration.</summary>
internal sealed class QueryMetrics
{
    public const string MeterName = "Jaeger.Query";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public QueryMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = meter.CreateCounter<long>("jaeger.query.requests", "{request}", "Query API requests by endpoint and HTTP status code.");
        _duration = meter.CreateHistogram<double>("jaeger.query.request.duration", "s", "Time to answer a query API request, including JSON writing.");
    }

    public void Record(string endpoint, int statusCode, long startTimestamp)
    {
        var tags = new TagList { { "endpoint", endpoint }, { "status_code", statusCode } };
        _requests.Add(1, tags);
        _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}

using System.Text.Json;
using Jaeger.Query.Api;
using Jaeger.Storage;

namespace Jaeger.Query.Ui;

/// <summary>
/// What the backend behind the UI really has, in the shape of Jaeger's <c>JAEGER_BACKEND_CAPABILITIES</c>: injected into
/// the official UI's index.html, and served to the built-in UI as <c>GET /api/ui/capabilities</c>.
/// </summary>
/// <param name="ArchiveStorage">An archive store is configured (the UI shows its Archive button).</param>
/// <param name="MetricsStorage">An <see cref="IMetricsReader"/> is registered (the UI's Monitor tab has data).</param>
/// <param name="SearchWithoutServiceName">The span reader can search without a service name.</param>
/// <param name="Filter">
/// The span reader applies a structured filter (<see cref="SearchCapabilities.Filter"/>); told to the built-in UI only, as
/// <c>filter</c>, since Jaeger's object has no such property.
/// </param>
internal readonly record struct BackendCapabilities(bool ArchiveStorage, bool MetricsStorage, bool SearchWithoutServiceName, bool Filter)
{
    /// <summary>Asked of storage each time, so a UI page always reflects what is registered now.</summary>
    public static BackendCapabilities Of(QueryHandler handler) => new(
        handler.Archive is not null,
        handler.MetricsReader is not null,
        (handler.Reader.Capabilities & SearchCapabilities.SearchWithoutServiceName) != 0,
        (handler.Reader.Capabilities & SearchCapabilities.Filter) != 0);

    /// <summary>The JSON object with Jaeger's property names, and for the built-in UI also <c>filter</c>.</summary>
    public void Write(Utf8JsonWriter w, bool builtInUi)
    {
        w.WriteStartObject();
        w.WriteBoolean("archiveStorage", ArchiveStorage);
        w.WriteBoolean("metricsStorage", MetricsStorage);
        w.WriteBoolean("searchWithoutServiceName", SearchWithoutServiceName);
        if (builtInUi)
        {
            w.WriteBoolean("filter", Filter);
        }

        w.WriteEndObject();
    }

    /// <summary>Jaeger's JSON object as text, for the official UI.</summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, builtInUi: false);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

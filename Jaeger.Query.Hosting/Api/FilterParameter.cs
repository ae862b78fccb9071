using Jaeger.Storage.Filtering;

namespace Jaeger.Query.Api;

/// <summary>The structured filter parameter (<c>query.filter</c> on api_v3, <c>filter</c> on the classic API).</summary>
internal static class FilterParameter
{
    /// <summary>Parses the filter text; "" means no filter. The error names where the text went wrong.</summary>
    public static bool TryParse(string text, out SpanFilter? filter, out string error)
    {
        filter = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (SpanFilter.TryParse(text, out filter, out var syntax))
        {
            return true;
        }

        error = syntax!.Message;
        return false;
    }
}

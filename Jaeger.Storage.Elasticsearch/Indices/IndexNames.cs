using System.Globalization;

namespace Jaeger.Storage.Elasticsearch.Indices;

/// <summary>The kinds of Jaeger index.</summary>
internal enum IndexKind
{
    Span,
    Service,
    Dependencies,
    Sampling,
}

/// <summary>
/// Jaeger's index names: <c>[prefix-]jaeger-span-YYYY-MM-DD</c> (hourly: <c>-HH</c> appended) by the UTC start of the
/// span, <c>…-write</c>/<c>…-read</c> aliases, and <c>…-archive</c> for the archive role. Dependencies and sampling
/// indices are always daily, as in Jaeger.
/// </summary>
internal sealed class IndexNames
{
    private readonly string _dateFormat;
    private readonly string _dailyFormat;
    private readonly bool _hourly;

    // The last dated write index per kind: spans arrive in time order mostly, so one entry per kind saves formatting
    // a string per span. Replaced whole (immutable entries), so readers on other threads see a consistent pair.
    private readonly DatedName?[] _lastWritten = new DatedName?[4];

    public IndexNames(string? prefix, string dateSeparator, bool hourly, bool useAliases, bool archive)
    {
        Prefix = ApplyPrefix(prefix);
        var sep = dateSeparator.Replace("'", "''", StringComparison.Ordinal);
        _dailyFormat = $"yyyy'{sep}'MM'{sep}'dd";
        _dateFormat = hourly ? $"{_dailyFormat}'{sep}'HH" : _dailyFormat;
        _hourly = hourly;
        UseAliases = useAliases;
        Archive = archive;
    }

    /// <summary>The prefix with its separator ("" or "name-").</summary>
    public string Prefix { get; }

    public bool UseAliases { get; }

    public bool Archive { get; }

    /// <summary>Jaeger's prefix rule: joined with "-" unless it already ends with it.</summary>
    public static string ApplyPrefix(string? prefix) =>
        string.IsNullOrEmpty(prefix) ? string.Empty : prefix.EndsWith('-') ? prefix : prefix + "-";

    /// <summary>"jaeger-span", "jaeger-service" ... without prefix.</summary>
    public static string BaseName(IndexKind kind) => kind switch
    {
        IndexKind.Span => "jaeger-span",
        IndexKind.Service => "jaeger-service",
        IndexKind.Dependencies => "jaeger-dependencies",
        IndexKind.Sampling => "jaeger-sampling",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The template name, as Jaeger names it: <c>[prefix-]jaeger-span</c>.</summary>
    public string TemplateName(IndexKind kind) => Prefix + BaseName(kind);

    /// <summary>The alias that reads (<c>…-read</c>) or writes (<c>…-write</c>).</summary>
    public string Alias(IndexKind kind, bool write) => Prefix + BaseName(kind) + (Archive ? "-archive" : string.Empty) + (write ? "-write" : "-read");

    /// <summary>The index (or alias) a document of <paramref name="kind"/> dated <paramref name="time"/> is written to.</summary>
    public string WriteIndex(IndexKind kind, DateTimeOffset time)
    {
        if (UseAliases)
        {
            return Alias(kind, write: true);
        }

        if (Archive)
        {
            return Prefix + BaseName(kind) + "-archive";
        }

        var period = time.UtcTicks / Period(kind).Ticks;
        var last = Volatile.Read(ref _lastWritten[(int)kind]);
        if (last is not null && last.Period == period)
        {
            return last.Name;
        }

        var name = Dated(kind, time);
        Volatile.Write(ref _lastWritten[(int)kind], new DatedName(period, name));
        return name;
    }

    /// <summary>The dated index name of <paramref name="kind"/> for <paramref name="time"/> (UTC).</summary>
    public string Dated(IndexKind kind, DateTimeOffset time) =>
        Prefix + BaseName(kind) + "-" + time.UtcDateTime.ToString(IsHourly(kind) ? _dateFormat : _dailyFormat, CultureInfo.InvariantCulture);

    /// <summary>Every index of <paramref name="kind"/> this role reads: the read alias, the archive index, or a wildcard over dated ones (archive excluded).</summary>
    public string AllForRead(IndexKind kind)
    {
        if (UseAliases)
        {
            return Alias(kind, write: false);
        }

        // "jaeger-span-*" alone also matches the archive index "jaeger-span-archive": excluded.
        return Archive ? Prefix + BaseName(kind) + "-archive" : $"{Prefix}{BaseName(kind)}-*,-{Prefix}{BaseName(kind)}-archive*";
    }

    /// <summary>
    /// The indices holding documents of <paramref name="kind"/> dated in [<paramref name="start"/>, <paramref name="end"/>],
    /// newest first, as Jaeger's <c>timeRangeIndices</c> lists them; one name with aliases or for the archive.
    /// </summary>
    public IReadOnlyList<string> ForRange(IndexKind kind, DateTimeOffset start, DateTimeOffset end)
    {
        if (UseAliases || Archive)
        {
            return [AllForRead(kind)];
        }

        var step = IsHourly(kind) ? TimeSpan.FromHours(-1) : TimeSpan.FromDays(-1);
        var indices = new List<string>();
        var first = Dated(kind, start);
        var current = Dated(kind, end);
        while (current != first && end > start)
        {
            if (indices.Count == 0 || indices[^1] != current)
            {
                indices.Add(current);
            }

            end = end.Add(step);
            current = Dated(kind, end);
        }

        indices.Add(first);
        return indices;
    }

    /// <summary>
    /// The start of the period a dated index name of <paramref name="kind"/> covers, or null when the name is not one
    /// (aliases, archive, rollover indices, other prefixes).
    /// </summary>
    public DateTimeOffset? ParseDated(IndexKind kind, string index)
    {
        var head = Prefix + BaseName(kind) + "-";
        if (!index.StartsWith(head, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = index.AsSpan(head.Length);
        if (DateTime.TryParseExact(rest, IsHourly(kind) ? _dateFormat : _dailyFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            return new DateTimeOffset(date, TimeSpan.Zero);
        }

        return null;
    }

    /// <summary>How long one dated index of <paramref name="kind"/> covers.</summary>
    public TimeSpan Period(IndexKind kind) => IsHourly(kind) ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    private bool IsHourly(IndexKind kind) => _hourly && kind is IndexKind.Span or IndexKind.Service;

    private sealed record DatedName(long Period, string Name);
}

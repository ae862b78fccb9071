using System.Globalization;

namespace Jaeger.LoadGenerator.Accounting;

/// <summary>One sample of a Prometheus text exposition: name, labels and value.</summary>
internal sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>A parsed scrape, keyed by series (name plus labels), so two scrapes can be subtracted.</summary>
internal sealed class MetricSnapshot
{
    public static readonly MetricSnapshot Empty = new([]);

    private readonly Dictionary<string, MetricSample> _series;

    public MetricSnapshot(IEnumerable<KeyValuePair<string, MetricSample>> series) => _series = new Dictionary<string, MetricSample>(series, StringComparer.Ordinal);

    public IEnumerable<MetricSample> Samples => _series.Values;

    public bool IsEmpty => _series.Count == 0;

    /// <summary>Parses Prometheus text format 0.0.4; comments and malformed lines are skipped.</summary>
    public static MetricSnapshot Parse(string text)
    {
        var series = new Dictionary<string, MetricSample>(StringComparer.Ordinal);
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            string name;
            int rest;
            if (brace >= 0)
            {
                name = line[..brace];
                var i = brace + 1;
                while (i < line.Length && line[i] != '}')
                {
                    var eq = line.IndexOf('=', i);
                    if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"')
                    {
                        break;
                    }

                    var key = line[i..eq].Trim(' ', ',');
                    var value = new System.Text.StringBuilder();
                    var j = eq + 2;
                    for (; j < line.Length && line[j] != '"'; j++)
                    {
                        if (line[j] == '\\' && j + 1 < line.Length)
                        {
                            j++;
                            value.Append(line[j] == 'n' ? '\n' : line[j]);
                        }
                        else
                        {
                            value.Append(line[j]);
                        }
                    }

                    labels[key] = value.ToString();
                    i = j + 1;
                    while (i < line.Length && line[i] == ',')
                    {
                        i++;
                    }
                }

                rest = line.IndexOf('}', i) + 1;
                if (rest <= 0)
                {
                    continue;
                }
            }
            else
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0)
                {
                    continue;
                }

                name = line[..space];
                rest = space;
            }

            var fields = line[rest..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !TryParseValue(fields[0], out var number))
            {
                continue;
            }

            var seriesKey = name + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
            series[seriesKey] = new MetricSample(name, labels, number);
        }

        return new MetricSnapshot(series);
    }

    /// <summary>This snapshot minus an earlier one, series by series (a series absent before counts from 0).</summary>
    public MetricSnapshot Since(MetricSnapshot earlier) =>
        new(_series.Select(p => new KeyValuePair<string, MetricSample>(
            p.Key,
            earlier._series.TryGetValue(p.Key, out var before) ? p.Value with { Value = p.Value.Value - before.Value } : p.Value)));

    /// <summary>Samples of a metric; where a sample has a <c>service</c> label, only those of <paramref name="service"/>.</summary>
    public IEnumerable<MetricSample> Of(string name, string? service) =>
        _series.Values.Where(s => s.Name == name && (service is null || !s.Labels.TryGetValue("service", out var v) || v == service));

    public double Sum(string name, string? service, Func<MetricSample, bool>? where = null) =>
        Of(name, service).Where(s => where is null || where(s)).Sum(s => s.Value);

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}

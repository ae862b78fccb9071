using Jaeger.Client.Diagnostics;

namespace Jaeger.Client.Propagation;

/// <summary>Builds the text-map and HTTP-header propagators from JAEGER_PROPAGATION names (jaeger, b3, w3c).</summary>
internal static class PropagationSet
{
    public static readonly string[] Known = ["jaeger", "b3", "w3c"];

    public static ITextMapPropagator Create(IEnumerable<string> names, bool http, ClientMetrics metrics)
    {
        var list = new List<ITextMapPropagator>();
        foreach (var name in names.Select(n => n.Trim().ToLowerInvariant()).Distinct())
        {
            switch (name)
            {
                case "jaeger":
                    list.Add(new JaegerPropagator(http, metrics));
                    break;
                case "b3":
                    list.Add(new B3Propagator(metrics));
                    break;
                case "w3c":
                    list.Add(new W3CPropagator(metrics));
                    break;
                default:
                    throw new ArgumentException($"Unknown propagation '{name}': expected a comma list of jaeger, b3, w3c.", nameof(names));
            }
        }

        if (list.Count == 0)
        {
            list.Add(new JaegerPropagator(http, metrics));
        }

        return list.Count == 1 ? list[0] : new CompositePropagator(list);
    }
}

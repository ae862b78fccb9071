using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Testing;

namespace Jaeger.Storage.Cassandra.Tests;

/// <summary>
/// Runs npm/oracle.js, which builds frames and values with the DataStax Node.js driver (npm cassandra-driver 4.10.0),
/// the byte-level reference the internal CQL client is compared against.
/// </summary>
internal static class NodeOracle
{
    public static string NpmFolder => Path.Combine(RepositoryPaths.Root, "tests", "Jaeger.Storage.Cassandra.Tests", "npm");

    public static string? MissingReason
    {
        get
        {
            if (FindNode() is null)
            {
                return "Node.js is not installed (bash .ci/run uses the machine's node).";
            }

            if (!Directory.Exists(Path.Combine(NpmFolder, "node_modules", "cassandra-driver")))
            {
                return "npm package cassandra-driver is not installed: run 'npm install' in tests/Jaeger.Storage.Cassandra.Tests/npm (bash .ci/run does).";
            }

            return null;
        }
    }

    private static string? FindNode()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "node")))
            {
                return Path.Combine(dir, "node");
            }
        }

        return null;
    }

    /// <summary>Runs the cases; one result per case, in order.</summary>
    public static async Task<JsonArray> RunAsync(JsonArray cases)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NpmFolder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("oracle.js");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        await process.StandardInput.WriteAsync(cases.ToJsonString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node oracle.js exited with {process.ExitCode}: {await stderr}");
        }

        return JsonNode.Parse(await stdout)!.AsArray();
    }

    public static async Task<string> RunOneAsync(JsonObject oneCase) => (await RunAsync([oneCase]))[0]!.GetValue<string>();

    /// <summary>Our type as the Node driver's {code, info} type descriptor.</summary>
    public static JsonNode TypeJson(CqlType type)
    {
        var node = new JsonObject { ["code"] = (int)type.Code };
        switch (type.Code)
        {
            case CqlTypeCode.List or CqlTypeCode.Set:
                node["info"] = TypeJson(type.Parameters[0]);
                break;
            case CqlTypeCode.Map:
                node["info"] = new JsonArray(TypeJson(type.Parameters[0]), TypeJson(type.Parameters[1]));
                break;
            case CqlTypeCode.Udt:
                var fields = new JsonArray();
                for (var i = 0; i < type.FieldNames.Count; i++)
                {
                    fields.Add(new JsonObject { ["name"] = type.FieldNames[i], ["type"] = TypeJson(type.Parameters[i]) });
                }

                node["info"] = new JsonObject { ["keyspace"] = type.Keyspace, ["name"] = type.Name, ["fields"] = fields };
                break;
        }

        return node;
    }

    /// <summary>Our .NET value as oracle.js's JSON value spec for <paramref name="type"/>.</summary>
    public static JsonNode? ValueJson(object? value, CqlType type)
    {
        if (value is null)
        {
            return null;
        }

        switch (type.Code)
        {
            case CqlTypeCode.Bigint or CqlTypeCode.Counter:
                return Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            case CqlTypeCode.Blob:
                return Convert.ToHexStringLower((byte[])value);
            case CqlTypeCode.Double:
                return ((double)value).ToString("R", CultureInfo.InvariantCulture);
            case CqlTypeCode.Timestamp:
                return ((DateTimeOffset)value).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            case CqlTypeCode.Uuid or CqlTypeCode.Timeuuid:
                return ((Guid)value).ToString("D");
            case CqlTypeCode.Inet:
                return ((IPAddress)value).ToString();
            case CqlTypeCode.List or CqlTypeCode.Set:
                var list = new JsonArray();
                foreach (var item in (System.Collections.IEnumerable)value)
                {
                    list.Add(ValueJson(item, type.Parameters[0]));
                }

                return list;
            case CqlTypeCode.Map:
                var pairs = new JsonArray();
                foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)value)
                {
                    pairs.Add(new JsonArray(ValueJson(entry.Key, type.Parameters[0]), ValueJson(entry.Value, type.Parameters[1])));
                }

                return pairs;
            case CqlTypeCode.Udt:
                var udt = (CqlUdtValue)value;
                var fields = new JsonObject();
                for (var i = 0; i < type.FieldNames.Count; i++)
                {
                    fields[type.FieldNames[i]] = ValueJson(udt.Values[i], type.Parameters[i]);
                }

                return fields;
            case CqlTypeCode.Boolean:
                return (bool)value;
            case CqlTypeCode.Int:
                return (int)value;
            default:
                return JsonValue.Create(value.ToString());
        }
    }

    public static JsonObject Bound(object? value, CqlType type) => new() { ["type"] = TypeJson(type), ["value"] = ValueJson(value, type) };
}

/// <summary>A fact that needs Node and npm cassandra-driver (the oracle); skipped, with the reason shown, when they are missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OracleFactAttribute : FactAttribute
{
    public OracleFactAttribute()
    {
        if (NodeOracle.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}

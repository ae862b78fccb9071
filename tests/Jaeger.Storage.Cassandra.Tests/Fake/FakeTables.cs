using System.Text.RegularExpressions;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;

namespace Jaeger.Storage.Cassandra.Tests.Fake;

/// <summary>
/// An in-memory interpreter of the CQL subset Jaeger's statements use, over tables declared by CREATE TABLE
/// statements: INSERT (IF NOT EXISTS, USING TTL), SELECT with =, IN (literals or a bound list), range conditions,
/// ORDER BY one column, LIMIT; UPDATE ... IF; DELETE ... IF; TRUNCATE. Rows are keyed by their primary key and kept in
/// clustering order. It interprets what it is sent; it knows nothing of Jaeger beyond the CREATE statements.
/// </summary>
internal sealed partial class FakeTables
{
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public FakeTables(IEnumerable<string> createStatements, JaegerUdts udts)
    {
        foreach (var statement in createStatements)
        {
            var table = CreateTable().Match(statement);
            if (!table.Success)
            {
                continue;
            }

            var columns = new List<(string, CqlType)>();
            foreach (Match column in ColumnLine().Matches(table.Groups["body"].Value))
            {
                columns.Add((column.Groups[1].Value, ParseType(column.Groups[2].Value.Trim(), udts)));
            }

            var key = table.Groups["key"].Value;
            var partition = key.StartsWith('(') ? key[1..key.IndexOf(')', StringComparison.Ordinal)] : key.Split(',')[0];
            var rest = key.StartsWith('(') ? key[(key.IndexOf(')', StringComparison.Ordinal) + 1)..] : string.Join(',', key.Split(',').Skip(1));
            var descending = new HashSet<string>(DescendingColumn().Matches(statement).Select(m => m.Groups[1].Value), StringComparer.Ordinal);
            _tables[table.Groups["name"].Value] = new Table(columns, Split(partition), Split(rest), descending);
        }
    }

    /// <summary>The bind variables and result columns of a statement, as PREPARE reports them.</summary>
    public FakeStatement? Describe(string query)
    {
        var parsed = Parse(query);
        return parsed is null ? null : new FakeStatement(query, parsed.Variables, parsed.PartitionKeyIndexes, parsed.ResultColumns);
    }

    public FakeReply Execute(string query, IReadOnlyList<object?> values)
    {
        var parsed = Parse(query) ?? throw new InvalidOperationException($"not interpretable: {query}");
        lock (_lock)
        {
            return parsed.Run(this, values);
        }
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static CqlType ParseType(string type, JaegerUdts udts)
    {
        type = type.Trim();
        if (type.StartsWith("frozen<", StringComparison.Ordinal))
        {
            return ParseType(type[7..^1], udts);
        }

        if (type.StartsWith("list<", StringComparison.Ordinal))
        {
            return CqlType.List(ParseType(type[5..^1], udts));
        }

        return type[(type.LastIndexOf('.') + 1)..] switch
        {
            "text" => CqlType.Text,
            "bigint" => CqlType.Bigint,
            "int" => CqlType.Int,
            "blob" => CqlType.Blob,
            "boolean" => CqlType.Boolean,
            "double" => CqlType.Double,
            "timestamp" => CqlType.Timestamp,
            "timeuuid" => CqlType.Timeuuid,
            "keyvalue" => udts.KeyValue,
            "log" => udts.Log,
            "span_ref" => udts.SpanRef,
            "process" => udts.Process,
            "dependency" => udts.Dependency,
            _ => throw new NotSupportedException($"type {type}"),
        };
    }

    private Statement? Parse(string query)
    {
        var q = Regex.Replace(query.Trim().TrimEnd(';'), "\\s+", " ");
        if (InsertPattern().Match(q) is { Success: true } insert)
        {
            var table = _tables[insert.Groups["table"].Value];
            var columns = Split(insert.Groups["cols"].Value);
            var variables = columns.Select(c => (c, table.Type(c))).ToList();
            if (insert.Groups["ttl"].Success)
            {
                variables.Add(("[ttl]", CqlType.Int));
            }

            return new Statement(Kind.Insert, table, variables, [.. table.Partition.Select(p => Array.IndexOf(columns, p))], [], columns, [], null, insert.Groups["ine"].Success, null, insert.Groups["ttl"].Success);
        }

        if (SelectPattern().Match(q) is { Success: true } select)
        {
            var table = _tables[select.Groups["table"].Value];
            var projection = select.Groups["cols"].Value.Trim() == "*" ? table.Columns.Select(c => c.Name).ToArray() : Split(select.Groups["cols"].Value);
            var (conditions, variables) = Conditions(table, select.Groups["where"].Success ? select.Groups["where"].Value : string.Empty);
            var limitBound = select.Groups["limit"].Value == "?";
            if (limitBound)
            {
                variables.Add(("[limit]", CqlType.Int));
            }

            var pk = table.Partition.Select(p => conditions.FindIndex(c => c.Column == p && c.Op == "=" && c.Bound)).ToArray();
            return new Statement(Kind.Select, table, variables, pk.All(i => i >= 0) ? pk : [], [.. projection.Select(c => (c, table.Type(c)))], projection, conditions,
                select.Groups["order"].Success ? select.Groups["order"].Value : null, false, limitBound ? -1 : select.Groups["limit"].Success ? int.Parse(select.Groups["limit"].Value, System.Globalization.CultureInfo.InvariantCulture) : null, false);
        }

        if (UpdatePattern().Match(q) is { Success: true } update)
        {
            var table = _tables[update.Groups["table"].Value];
            var (conditions, variables) = Conditions(table, update.Groups["where"].Value);
            var set = update.Groups["set"].Value;
            var ifColumn = update.Groups["if"].Value;
            List<(string, CqlType)> all = [("[ttl]", CqlType.Int), (set, table.Type(set)), .. variables, (ifColumn, table.Type(ifColumn))];
            return new Statement(Kind.Update, table, all, [], [("[applied]", CqlType.Boolean)], [set, ifColumn], conditions, null, false, null, true);
        }

        if (DeletePattern().Match(q) is { Success: true } delete)
        {
            var table = _tables[delete.Groups["table"].Value];
            var (conditions, variables) = Conditions(table, delete.Groups["where"].Value);
            var ifColumn = delete.Groups["if"].Value;
            return new Statement(Kind.Delete, table, [.. variables, (ifColumn, table.Type(ifColumn))], [], [("[applied]", CqlType.Boolean)], [ifColumn], conditions, null, false, null, false);
        }

        if (TruncatePattern().Match(q) is { Success: true } truncate)
        {
            return new Statement(Kind.Truncate, _tables[truncate.Groups["table"].Value], [], [], [], [], [], null, false, null, false);
        }

        return null;
    }

    private static (List<Condition>, List<(string, CqlType)>) Conditions(Table table, string where)
    {
        var conditions = new List<Condition>();
        var variables = new List<(string, CqlType)>();
        if (string.IsNullOrWhiteSpace(where))
        {
            return (conditions, variables);
        }

        foreach (var part in Regex.Split(where, " and ", RegexOptions.IgnoreCase))
        {
            var m = ConditionPattern().Match(part.Trim());
            if (!m.Success)
            {
                throw new NotSupportedException($"condition {part}");
            }

            var column = m.Groups[1].Value;
            var op = m.Groups[2].Value.ToUpperInvariant();
            var operand = m.Groups[3].Value.Trim();
            if (operand == "?")
            {
                conditions.Add(new Condition(column, op, true, null));
                variables.Add((column, op == "IN" ? CqlType.List(table.Type(column)) : table.Type(column)));
            }
            else
            {
                var literals = operand.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries).Select(v => (object?)int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                conditions.Add(new Condition(column, op, false, op == "IN" ? literals : literals[0]));
            }
        }

        return (conditions, variables);
    }

    private enum Kind
    {
        Insert,
        Select,
        Update,
        Delete,
        Truncate,
    }

    private sealed record Condition(string Column, string Op, bool Bound, object? Literal);

    private sealed class Table(List<(string Name, CqlType Type)> columns, string[] partition, string[] clustering, HashSet<string> descending)
    {
        public List<(string Name, CqlType Type)> Columns { get; } = columns;

        public string[] Partition { get; } = partition;

        public string[] Clustering { get; } = clustering;

        public HashSet<string> Descending { get; } = descending;

        public Dictionary<string, (Dictionary<string, object?> Row, DateTime? Expires)> Rows { get; } = new(StringComparer.Ordinal);

        public CqlType Type(string column) => Columns.First(c => c.Name == column).Type;

        public string Key(Dictionary<string, object?> row) => string.Join("|", Partition.Concat(Clustering).Select(c => Text(row.GetValueOrDefault(c))));

        public IEnumerable<Dictionary<string, object?>> Live()
        {
            var now = DateTime.UtcNow;
            foreach (var (key, entry) in Rows.ToList())
            {
                if (entry.Expires is { } expires && expires <= now)
                {
                    Rows.Remove(key);
                    continue;
                }

                yield return entry.Row;
            }
        }

        public int CompareClustering(Dictionary<string, object?> a, Dictionary<string, object?> b)
        {
            foreach (var column in Partition)
            {
                var c = string.CompareOrdinal(Text(a[column]), Text(b[column]));
                if (c != 0)
                {
                    return c;
                }
            }

            foreach (var column in Clustering)
            {
                var c = CompareValues(a[column], b[column]);
                if (c != 0)
                {
                    return Descending.Contains(column) ? -c : c;
                }
            }

            return 0;
        }
    }

    private sealed record Statement(Kind Kind, Table Table, List<(string Name, CqlType Type)> Variables, IReadOnlyList<int> PartitionKeyIndexes, IReadOnlyList<(string Name, CqlType Type)> ResultColumns,
        string[] Columns, List<Condition> Conditions, string? OrderBy, bool IfNotExists, int? Limit, bool HasTtl)
    {
        public FakeReply Run(FakeTables tables, IReadOnlyList<object?> values)
        {
            switch (Kind)
            {
                case Kind.Truncate:
                    Table.Rows.Clear();
                    return FakeReply.Void;
                case Kind.Insert:
                    var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                    for (var i = 0; i < Columns.Length; i++)
                    {
                        row[Columns[i]] = values[i];
                    }

                    var expires = HasTtl ? DateTime.UtcNow.AddSeconds((int)values[Columns.Length]!) : (DateTime?)null;
                    var key = Table.Key(row);
                    if (IfNotExists)
                    {
                        var existing = Table.Live().FirstOrDefault(r => Table.Key(r) == key);
                        if (existing is not null)
                        {
                            return FakeReply.Of([("[applied]", CqlType.Boolean), .. Table.Columns], [false, .. Table.Columns.Select(c => existing.GetValueOrDefault(c.Name))]);
                        }

                        Table.Rows[key] = (row, expires);
                        return FakeReply.Of([("[applied]", CqlType.Boolean)], [true]);
                    }

                    Table.Rows[key] = (row, expires);
                    return FakeReply.Void;
                case Kind.Update:
                {
                    var target = Matching(values, 2).FirstOrDefault();
                    var expected = values[^1];
                    if (target is null || !Equals(target.GetValueOrDefault(Columns[1]), expected))
                    {
                        return FakeReply.Of([("[applied]", CqlType.Boolean)], [false]);
                    }

                    target[Columns[0]] = values[1];
                    Table.Rows[Table.Key(target)] = (target, DateTime.UtcNow.AddSeconds((int)values[0]!));
                    return FakeReply.Of([("[applied]", CqlType.Boolean)], [true]);
                }

                case Kind.Delete:
                {
                    var target = Matching(values, 0).FirstOrDefault();
                    if (target is null || !Equals(target.GetValueOrDefault(Columns[0]), values[^1]))
                    {
                        return FakeReply.Of([("[applied]", CqlType.Boolean)], [false]);
                    }

                    Table.Rows.Remove(Table.Key(target));
                    return FakeReply.Of([("[applied]", CqlType.Boolean)], [true]);
                }

                default:
                    var rows = Matching(values, 0).ToList();
                    rows.Sort(Table.CompareClustering);
                    if (OrderBy is not null)
                    {
                        var column = OrderBy.Split(' ')[0];
                        var descending = OrderBy.EndsWith("DESC", StringComparison.OrdinalIgnoreCase);
                        rows = [.. rows.OrderBy(r => r[column], Comparer<object?>.Create(CompareValues))];
                        if (descending)
                        {
                            rows.Reverse();
                        }
                    }

                    var limit = Limit == -1 ? (int)values[^1]! : Limit;
                    return FakeReply.Of(ResultColumns, [.. rows.Take(limit ?? int.MaxValue).Select(r => ResultColumns.Select(c => r.GetValueOrDefault(c.Name)).ToArray())]);
            }
        }

        private IEnumerable<Dictionary<string, object?>> Matching(IReadOnlyList<object?> values, int firstBound)
        {
            var bound = firstBound;
            var operands = new List<object?>();
            foreach (var condition in Conditions)
            {
                operands.Add(condition.Bound ? values[bound++] : condition.Literal);
            }

            return Table.Live().Where(row =>
            {
                for (var i = 0; i < Conditions.Count; i++)
                {
                    var value = row.GetValueOrDefault(Conditions[i].Column);
                    var operand = operands[i];
                    var ok = Conditions[i].Op switch
                    {
                        "=" => CompareValues(value, operand) == 0,
                        "IN" => ((System.Collections.IEnumerable)operand!).Cast<object?>().Any(o => CompareValues(value, o) == 0),
                        ">=" => CompareValues(value, operand) >= 0,
                        "<=" => CompareValues(value, operand) <= 0,
                        ">" => CompareValues(value, operand) > 0,
                        "<" => CompareValues(value, operand) < 0,
                        _ => throw new NotSupportedException(Conditions[i].Op),
                    };
                    if (!ok)
                    {
                        return false;
                    }
                }

                return true;
            });
        }
    }

    private static string Text(object? value) => value switch
    {
        byte[] b => Convert.ToHexString(b),
        DateTimeOffset t => t.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        null => "null",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    private static int CompareValues(object? a, object? b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (int x, int y) => x.CompareTo(y),
        (long x, int y) => x.CompareTo(y),
        (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
        (Guid x, Guid y) => CompareTimeUuids(x, y),
        (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
        (string x, string y) => string.CompareOrdinal(x, y),
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        _ => string.CompareOrdinal(Text(a), Text(b)),
    };

    /// <summary>Cassandra's timeuuid order: by timestamp, then by the remaining bytes as signed values.</summary>
    private static int CompareTimeUuids(Guid x, Guid y)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        x.TryWriteBytes(a, bigEndian: true, out _);
        y.TryWriteBytes(b, bigEndian: true, out _);
        static long Time(ReadOnlySpan<byte> u) => ((long)(((u[6] & 0x0F) << 8) | u[7]) << 48) | ((long)((u[4] << 8) | u[5]) << 32) | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(u);
        var c = Time(a).CompareTo(Time(b));
        for (var i = 8; c == 0 && i < 16; i++)
        {
            c = ((sbyte)a[i]).CompareTo((sbyte)b[i]);
        }

        return c;
    }

    [GeneratedRegex(@"CREATE TABLE IF NOT EXISTS \w+\.(?<name>\w+) \((?<body>.*?)PRIMARY KEY ?\((?<key>.*?\)?)\)\s*\)", RegexOptions.Singleline)]
    private static partial Regex CreateTable();

    [GeneratedRegex(@"^\s*(\w+)\s+([\w<>.,\s]+?),\s*$", RegexOptions.Multiline)]
    private static partial Regex ColumnLine();

    [GeneratedRegex(@"(\w+) DESC", RegexOptions.IgnoreCase)]
    private static partial Regex DescendingColumn();

    [GeneratedRegex(@"^INSERT INTO (?<table>\w+) ?\((?<cols>[^)]*)\) VALUES \([?, ]*\)(?<ine> IF NOT EXISTS)?(?<ttl> USING TTL \?)?$", RegexOptions.IgnoreCase)]
    private static partial Regex InsertPattern();

    [GeneratedRegex(@"^SELECT (?<cols>.+?) FROM (?<table>\w+)(?: WHERE (?<where>.+?))?(?: ORDER BY (?<order>\w+(?: (?:ASC|DESC))?))?(?: LIMIT (?<limit>\?|\d+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex SelectPattern();

    [GeneratedRegex(@"^UPDATE (?<table>\w+) USING TTL \? SET (?<set>\w+) = \? WHERE (?<where>.+?) IF (?<if>\w+) = \?$", RegexOptions.IgnoreCase)]
    private static partial Regex UpdatePattern();

    [GeneratedRegex(@"^DELETE FROM (?<table>\w+) WHERE (?<where>.+?) IF (?<if>\w+) = \?$", RegexOptions.IgnoreCase)]
    private static partial Regex DeletePattern();

    [GeneratedRegex(@"^TRUNCATE (?:\w+\.)?(?<table>\w+)$", RegexOptions.IgnoreCase)]
    private static partial Regex TruncatePattern();

    [GeneratedRegex(@"^(\w+) (=|IN|>=|<=|>|<) (.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ConditionPattern();
}

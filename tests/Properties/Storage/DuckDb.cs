using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;

namespace Unlearning.Properties.Storage;

/// <summary>
/// DuckDB in-process (DuckDB.NET.Data.Full, which carries the native library): one in-memory
/// database for the whole test run, shared by the test classes and serialised by a lock. Results come
/// back as JSON rows, so a test compares values without caring for DuckDB's CLR types: BIGINT, HUGEINT
/// and DECIMAL as strings (exact), NaN and ±∞ as strings, lists as arrays.
/// </summary>
public sealed class DuckDb
{
    private static readonly Lazy<DuckDb> Shared = new(() => new DuckDb());
    private readonly DuckDBConnection _connection;
    private readonly object _gate = new();

    private DuckDb()
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _connection.Dispose();
    }

    public static DuckDb Instance => Shared.Value;

    /// <summary>The folder holding Unlearning.sln, above the test assembly.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Unlearning.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Unlearning.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Quote(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Runs a query; returns its rows as JSON objects.</summary>
    public JsonArray Query(string sql)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var rows = new JsonArray();
            while (reader.Read())
            {
                var row = new JsonObject();
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : Json(reader.GetValue(i));
                }

                rows.Add(row);
            }

            return rows;
        }
    }

    public void Exec(string sql)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    private static JsonNode? Json(object? v) => v switch
    {
        null or DBNull => null,
        bool b => JsonValue.Create(b),
        sbyte or byte or short or ushort or int => JsonValue.Create(Convert.ToInt32(v, CultureInfo.InvariantCulture)),
        uint or long or ulong or BigInteger or decimal => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
        float f => Real(f),
        double d => Real(d),
        string s => JsonValue.Create(s),
        DateTime t => JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset t => JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture)),
        IList list => new JsonArray([.. list.Cast<object?>().Select(Json)]),
        _ => JsonValue.Create(v.ToString()),
    };

    private static JsonNode Real(double d) => double.IsFinite(d)
        ? JsonValue.Create(d)
        : JsonValue.Create(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");

    public static long Long(JsonNode? n) => n!.GetValueKind() == JsonValueKind.String ? long.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture) : n.GetValue<long>();

    public static double Double(JsonNode? n) => n!.GetValueKind() == JsonValueKind.String
        ? n.GetValue<string>() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => double.Parse(s, CultureInfo.InvariantCulture),
        }
        : n.GetValue<double>();
}

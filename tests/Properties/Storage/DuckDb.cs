using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Unlearning.Properties.Storage;

/// <summary>
/// DuckDB (npm <c>@duckdb/node-api</c>, installed by <c>.ci/run</c> into tools/) behind the JSON-lines
/// server <c>tools/duckdb-server.mjs</c>: one node process for the whole test run, shared by the test
/// classes and serialised by a lock.
/// </summary>
public sealed class DuckDb
{
    private static readonly Lazy<DuckDb> Shared = new(() => new DuckDb());
    private readonly Process _node;
    private readonly object _gate = new();

    private DuckDb()
    {
        var tools = Path.Combine(RepositoryRoot(), "tools");
        if (!Directory.Exists(Path.Combine(tools, "node_modules", "@duckdb", "node-api")))
        {
            throw new InvalidOperationException($"DuckDB is not installed: run `npm ci` in {tools} (.ci/run does)");
        }

        var start = new ProcessStartInfo("node", ["duckdb-server.mjs"])
        {
            WorkingDirectory = tools,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        _node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                _node.StandardInput.Close();
                _node.WaitForExit(2000);
            }
            catch (InvalidOperationException)
            {
            }
        };
    }

    public static DuckDb Instance => Shared.Value;

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

    /// <summary>Runs a query; returns its rows as JSON objects (BIGINT as strings, lists as arrays).</summary>
    public JsonArray Query(string sql) => (JsonArray)Request(new JsonObject { ["op"] = "query", ["sql"] = sql })["rows"]!;

    public void Exec(string sql) => Request(new JsonObject { ["op"] = "exec", ["sql"] = sql });

    /// <summary>Reads a file with hyparquet, the second (pure JavaScript) reader.</summary>
    public JsonObject Hyparquet(string file, int limit) => Request(new JsonObject { ["op"] = "hyparquet", ["file"] = file, ["limit"] = limit });

    private JsonObject Request(JsonObject request)
    {
        lock (_gate)
        {
            _node.StandardInput.WriteLine(request.ToJsonString());
            _node.StandardInput.Flush();
            // A reply that never comes fails the test instead of hanging the run.
            var pending = _node.StandardOutput.ReadLineAsync();
            if (!pending.Wait(TimeSpan.FromSeconds(120)))
            {
                _node.Kill();
                throw new TimeoutException($"DuckDB did not answer within 120 s: {request.ToJsonString()}");
            }

            var line = pending.Result ?? throw new InvalidOperationException("the DuckDB server exited");
            var reply = JsonNode.Parse(line)!.AsObject();
            if (reply["error"] is { } error)
            {
                throw new InvalidOperationException($"DuckDB: {error}\nrequest: {request.ToJsonString()}");
            }

            return reply;
        }
    }

    public static long Long(JsonNode? n) => n!.GetValueKind() == JsonValueKind.String ? long.Parse(n.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : n.GetValue<long>();

    public static double Double(JsonNode? n) => n!.GetValueKind() == JsonValueKind.String
        ? n.GetValue<string>() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
        }
        : n.GetValue<double>();
}

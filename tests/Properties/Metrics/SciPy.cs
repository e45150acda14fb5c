using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Unlearning.Properties.Metrics;

/// <summary>
/// Runs <c>reference.py</c> (shipped beside the tests) with Debian's <c>/usr/bin/python3</c>, which has
/// SciPy and mpmath: one JSON request in, one JSON answer out. A missing interpreter is a failure,
/// never a skip.
/// </summary>
internal static class SciPy
{
    private const string Python = "/usr/bin/python3";

    public static JsonNode Ask(object request)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Metrics", "reference.py");
        var start = new ProcessStartInfo(Python, [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        process.StandardInput.Write(JsonSerializer.Serialize(request));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Python} {script} failed ({process.ExitCode}): {stderr.Result}");
        }

        return JsonNode.Parse(stdout.Result) ?? throw new InvalidOperationException("reference.py wrote no JSON");
    }

    public static double[] Doubles(JsonNode node, string name) =>
        node[name]!.AsArray().Select(v => v is null ? double.NaN : v.GetValue<double>()).ToArray();
}

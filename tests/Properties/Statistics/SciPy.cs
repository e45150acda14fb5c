using System.Diagnostics;
using System.Text.Json;

namespace Unlearning.Properties.Statistics;

/// <summary>
/// Runs a Python snippet with Debian's /usr/bin/python3 (which has SciPy; the python3 first on PATH is
/// another one). The snippet reads JSON from <c>data</c> and must print one JSON document.
/// </summary>
internal static class SciPy
{
    public const string Python = "/usr/bin/python3";

    public static JsonElement Run(string snippet, object input)
    {
        var script = "import json, sys\nimport numpy as np\nfrom scipy import stats\ndata = json.load(sys.stdin)\n" + snippet;
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        process.StandardInput.Write(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Python} failed ({process.ExitCode}): {error}");
        }

        return JsonDocument.Parse(output).RootElement.Clone();
    }
}

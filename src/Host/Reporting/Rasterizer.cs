using System.Diagnostics;

namespace Unlearning.Host.Reporting;

/// <summary>
/// SVG → PNG through <c>rsvg-convert</c> (Debian package <c>librsvg2-bin</c>), found on PATH. The project
/// draws its own SVG; rasterising is the only step that needs an outside tool, and without it the report
/// keeps SVG files only and says so.
/// </summary>
public sealed class Rasterizer
{
    public const string Tool = "rsvg-convert";

    /// <summary>Pixels per SVG unit: plots are 760×440 units, so PNGs are 1520×880 pixels.</summary>
    public const double Zoom = 2.0;

    private readonly string _path;

    private Rasterizer(string path) => _path = path;

    /// <summary>The rasteriser on PATH, or null (with the reason) when there is none.</summary>
    public static Rasterizer? Find(string? pathVariable = null)
    {
        var path = pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, Tool);
            if (File.Exists(candidate))
            {
                return new Rasterizer(candidate);
            }
        }

        return null;
    }

    /// <summary>Writes <paramref name="pngPath"/> from the SVG file; returns an error message or null.</summary>
    public string? Convert(string svgPath, string pngPath)
    {
        var start = new ProcessStartInfo(_path)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--format=png", $"--zoom={Zoom.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "--background-color=white", "--output", pngPath, svgPath })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return $"{Tool} did not start";
            }

            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && File.Exists(pngPath) ? null : $"{Tool} exited with {process.ExitCode}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Tool} could not run: {e.Message}";
        }
    }
}

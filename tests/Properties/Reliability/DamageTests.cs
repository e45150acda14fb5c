using System.Text.Json;
using Unlearning.Host;

namespace Unlearning.Properties.Reliability;

/// <summary>
/// Each kind of damaged file in a finished run folder, one at a time, then the run again: a file
/// the run can redo (scores, a target's part, a table, the report) is detected, named and
/// recomputed, and the tables equal the uninterrupted run's; the data, the models and their curves
/// cannot be redone without changing results made from them: exit 2 naming the file, nothing touched.
/// </summary>
[Collection(RealRunCollection.Name)]
public sealed class DamageTests(UninterruptedRun whole)
{
    private static void Overwrite(string file, int count)
    {
        using var s = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        s.Position = s.Length / 2;
        s.Write(Enumerable.Repeat((byte)'r', count).ToArray());
    }

    private static void Truncate(string file)
    {
        using var s = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        s.SetLength(s.Length / 2);
    }

    private static string FirstPart(string dir) => Directory.GetFiles(Path.Combine(dir, "parts"), "*.json").Order(StringComparer.Ordinal).First();

    private static string FirstSvg(string dir) => Directory.GetFiles(dir, "*.svg").Order(StringComparer.Ordinal).First();

    private string Fresh(string name)
    {
        var dir = Path.Combine(whole.Root, "damaged-" + name);
        TinyRun.Copy(whole.Dir, dir);
        return dir;
    }

    public static TheoryData<string> Unrecoverable => ["theta0 bytes and a part deleted", "theta0 config", "reference truncated", "examples bytes", "vocabulary truncated", "curve bytes", "manifest truncated"];

    [Theory]
    [MemberData(nameof(Unrecoverable))]
    public void A_damaged_file_the_run_cannot_redo_is_an_error_naming_it_and_nothing_is_touched(string kind)
    {
        var dir = Fresh(kind.Replace(' ', '-'));
        var damaged = kind switch
        {
            "theta0 bytes and a part deleted" => "models/base/model.safetensors",
            "theta0 config" => "models/base/config.json",
            "reference truncated" => "models/reference/model.safetensors",
            "examples bytes" => "data/examples.json",
            "vocabulary truncated" => "data/vocab.json",
            "curve bytes" => "curves/base.parquet",
            _ => "manifest.json",
        };
        var file = Path.Combine(dir, damaged);
        if (kind.Contains("truncated", StringComparison.Ordinal))
        {
            Truncate(file);
        }
        else if (kind == "theta0 config")
        {
            File.WriteAllText(file, File.ReadAllText(file).Replace("\"n_layer\": 1", "\"n_layer\": 2", StringComparison.Ordinal));
        }
        else
        {
            Overwrite(file, 8);
        }

        if (kind.Contains("part deleted", StringComparison.Ordinal))
        {
            File.Delete(FirstPart(dir));
        }

        var before = TinyRun.Contents(dir);
        var (code, _, error) = Cli.Capture(TinyRun.Args("run", dir));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"unlearn run: {file}: ", error, StringComparison.Ordinal);
        Assert.Contains(damaged == "manifest.json" ? "expected a readable run manifest" : "sha256: expected ", error, StringComparison.Ordinal);
        if (damaged != "manifest.json")
        {
            Assert.Contains(", as manifest.json records, found ", error, StringComparison.Ordinal);
            Assert.Contains("the file is damaged", error, StringComparison.Ordinal);
        }

        Assert.Equal(before, TinyRun.Contents(dir));
    }

    public static TheoryData<string> Recoverable =>
        ["part bytes and tables deleted", "scores bytes", "table truncated", "table bytes", "report truncated", "figure bytes", "part deleted", "manifest edited", "theta0 deleted"];

    [Theory]
    [MemberData(nameof(Recoverable))]
    public void A_damaged_file_the_run_can_redo_is_named_and_recomputed_and_the_tables_equal_an_undamaged_run(string kind)
    {
        var dir = Fresh(kind.Replace(' ', '-'));
        var part = FirstPart(dir);
        var partStage = "forget/" + Path.GetFileNameWithoutExtension(part);
        var forgets = Directory.GetFiles(Path.Combine(dir, "parts")).Select(p => "forget/" + Path.GetFileNameWithoutExtension(p)).ToList();
        (string? Named, string[] Ran) expected = kind switch
        {
            "part bytes and tables deleted" => (part, [partStage, "tables", "report"]),
            "scores bytes" => (Path.Combine(dir, "scores", "scores.json"), ["score", .. forgets, "tables", "report"]),
            "table truncated" => (Path.Combine(dir, "examples.parquet"), ["tables", "report"]),
            "table bytes" => (Path.Combine(dir, "steps.parquet"), ["tables", "report"]),
            "report truncated" => (Path.Combine(dir, "report.md"), ["report"]),
            "figure bytes" => (FirstSvg(dir), ["report"]),
            "part deleted" => (null, [partStage, "tables", "report"]),
            "manifest edited" => (part, [partStage, "tables", "report"]),
            _ => (null, ["train-base", "score", .. forgets, "tables", "report"]),
        };
        switch (kind)
        {
            case "part bytes and tables deleted":
                Overwrite(part, 7);
                foreach (var t in Host.Experiment.RunFolder.TableNames)
                {
                    File.Delete(Path.Combine(dir, t + ".parquet"));
                }

                break;
            case "table truncated" or "report truncated":
                Truncate(expected.Named!);
                break;
            case "part deleted":
                File.Delete(part);
                break;
            case "manifest edited":
                var manifest = Path.Combine(dir, "manifest.json");
                var recorded = Unlearning.Storage.Manifest.Manifests.Describe(dir, Path.GetRelativePath(dir, part)).Sha256;
                File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(recorded, new string('0', 64), StringComparison.Ordinal));
                break;
            case "theta0 deleted":
                Directory.Delete(Path.Combine(dir, "models", "base"), recursive: true);
                break;
            default:
                Overwrite(expected.Named!, 8);
                break;
        }

        var (code, output, error) = Cli.Capture([.. TinyRun.Args("run", dir), "--json"]);
        Assert.True(code == ExitCodes.Success, error);
        if (expected.Named is { } named)
        {
            Assert.Contains($"{Path.GetRelativePath(dir, named)} does not match manifest.json (", error, StringComparison.Ordinal);
        }

        using var summary = JsonDocument.Parse(output);
        var ran = summary.RootElement.GetProperty("stages").EnumerateArray()
            .Where(s => s.GetProperty("action").GetString() == "ran").Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Equal(expected.Ran.Order(StringComparer.Ordinal), ran.Order(StringComparer.Ordinal));
        TinyRun.AssertWhole(dir);
        Assert.Equal(whole.Rows, TinyRun.Rows(dir));
    }
}

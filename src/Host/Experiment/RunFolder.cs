using System.Text;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Host.Reporting;
using Unlearning.Storage;

namespace Unlearning.Host.Experiment;

/// <summary>
/// The output folder of one configuration, and which files each stage writes. Every file is
/// written under a temporary name and renamed into place, so a file that exists is complete; a
/// stage is done when manifest.json lists its outputs with their SHA-256 and they still match
/// (<see cref="RunJournal"/>; docs/reliability.md).
/// <code>
/// config.json              the resolved configuration (reads back with --config)
/// manifest.json            config hash, versions, every finished file with its SHA-256 (after each stage)
/// .lock, .lock-owner       the folder's lock and its holder (<see cref="RunLock"/>)
/// log.txt                  what ran, when, how long
/// data/                    tokenizer (vocab.json, merges.txt), example sets (examples.json)
/// models/base/             θ0 in Hugging Face's layout; models/reference/ (θref, k = 0), reference-k/
/// curves/&lt;model&gt;.parquet  training curves
/// scores/scores.json       base and reference scores, computed once
/// parts/&lt;target&gt;.json     one finished unlearning target: its example and step rows
/// runs|examples|steps|populations.parquet   the tables of SPEC §9
/// report.md, report.html   the report
/// </code>
/// </summary>
public sealed class RunFolder
{
    public RunFolder(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }

    public string ConfigFile => Path.Combine(Root, "config.json");

    public string ManifestFile => Path.Combine(Root, "manifest.json");

    public string LogFile => Path.Combine(Root, "log.txt");

    public string DataFolder => Path.Combine(Root, "data");

    public string ExamplesFile => Path.Combine(DataFolder, "examples.json");

    public string ModelsFolder => Path.Combine(Root, "models");

    public string BaseModel => Path.Combine(ModelsFolder, "base");

    public string ReferenceModel(int k) => Path.Combine(ModelsFolder, k == 0 ? "reference" : $"reference-{k}");

    public string CurvesFolder => Path.Combine(Root, "curves");

    public string Curve(string model) => Path.Combine(CurvesFolder, model + ".parquet");

    public string ScoresFile => Path.Combine(Root, "scores", "scores.json");

    public string PartsFolder => Path.Combine(Root, "parts");

    /// <summary>A target id as a file name: characters other than letters, digits, '-', '_', '.', '+' become '_'.</summary>
    public string Part(string targetId) =>
        Path.Combine(PartsFolder, new string(targetId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+' ? c : '_').ToArray()) + ".json");

    public static IReadOnlyList<string> TableNames { get; } = ["runs", "examples", "steps", "populations"];

    public string Table(string name) => Path.Combine(Root, name + ".parquet");

    public string ReportFile => Path.Combine(Root, "report.md");

    /// <summary>The default folder of a configuration: runs/&lt;preset&gt;-&lt;first 12 hex digits of its hash&gt;.</summary>
    public static string DefaultFor(ExperimentConfig config) =>
        Path.Combine("runs", $"{config.Preset}-{ConfigJson.Hash(config)[..12]}");

    public static int ReferenceIndex(Stage stage) =>
        int.Parse(stage.Id.AsSpan(stage.Id.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);

    private static string ModelName(Stage stage) => stage.Kind == StageKind.TrainBase
        ? "base"
        : ReferenceIndex(stage) == 0 ? "reference" : $"reference-{ReferenceIndex(stage)}";

    /// <summary>
    /// The files (relative to <see cref="Root"/>, '/'-separated) a finished stage must have written:
    /// the stage is done when the manifest lists every one and each matches its SHA-256 (<see cref="RunJournal"/>).
    /// </summary>
    public IReadOnlyList<string> Outputs(Stage stage) => stage.Kind switch
    {
        StageKind.Data => ["data/examples.json", "data/merges.txt", "data/splits.tsv", "data/vocab.json"],
        StageKind.TrainBase or StageKind.TrainReference =>
        [
            $"curves/{ModelName(stage)}.json", $"curves/{ModelName(stage)}.parquet",
            .. new[] { "config.json", "merges.txt", "model.safetensors", "vocab.json" }.Select(f => $"models/{ModelName(stage)}/{f}"),
        ],
        StageKind.Score => ["scores/scores.json"],
        StageKind.Forget => [Relative(Part(stage.Id["forget/".Length..]))],
        StageKind.Tables => [.. TableNames.Select(t => t + ".parquet")],
        StageKind.Report => [ReportFiles.ClaimsFile, ReportFiles.HtmlFile, ReportFiles.MarkdownFile],
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage.Kind, "stage kind"),
    };

    /// <summary>
    /// Whether a file of the folder (relative, '/'-separated) is the stage's output: its required
    /// outputs and what else it writes (the report's figures, other tables), so that a damaged file
    /// names the stage that redoes it.
    /// </summary>
    public bool Owns(Stage stage, string relative) => stage.Kind switch
    {
        StageKind.Data => relative.StartsWith("data/", StringComparison.Ordinal),
        StageKind.TrainBase or StageKind.TrainReference =>
            relative.StartsWith($"models/{ModelName(stage)}/", StringComparison.Ordinal)
            || relative == $"curves/{ModelName(stage)}.json" || relative == $"curves/{ModelName(stage)}.parquet",
        StageKind.Score => relative.StartsWith("scores/", StringComparison.Ordinal),
        StageKind.Forget => relative == Relative(Part(stage.Id["forget/".Length..])),
        StageKind.Tables => TableNames.Any(t => relative == t + ".parquet"),
        StageKind.Report => !relative.Contains('/', StringComparison.Ordinal)
            && (relative is ReportFiles.MarkdownFile or ReportFiles.HtmlFile or ReportFiles.ClaimsFile
                || relative.EndsWith(".svg", StringComparison.Ordinal) || relative.EndsWith(".png", StringComparison.Ordinal)),
        _ => false,
    };

    /// <summary>Whether the run can compute the stage's outputs again without changing any result it already holds.</summary>
    public static bool CanRedo(Stage stage) => stage.Kind is StageKind.Score or StageKind.Forget or StageKind.Tables or StageKind.Report;

    /// <summary>A path of the folder relative to its root, '/'-separated (as the manifest lists it).</summary>
    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>Files that are the folder's bookkeeping, never a stage's output: the log, the manifest, the lock.</summary>
    public static bool IsBookkeeping(string relative) =>
        relative is "log.txt" or "manifest.json" or RunLock.FileName or RunLock.OwnerFileName || IsTemporary(relative);

    /// <summary>A temporary file of a write in progress (ours: NAME.tmp-PID…; Storage's: .NAME.GUID.partial).</summary>
    public static bool IsTemporary(string relative)
    {
        var name = Path.GetFileName(relative);
        return relative.Contains(".tmp-", StringComparison.Ordinal) || (name.StartsWith('.') && name.EndsWith(".partial", StringComparison.Ordinal));
    }

    /// <summary>
    /// Opens the folder for <paramref name="config"/>: creates it and writes config.json, or checks
    /// that the config.json already there is the same configuration (same hash). Another
    /// configuration's folder is bad input: resuming it would mix two experiments.
    /// </summary>
    public static RunFolder Open(string root, ExperimentConfig config)
    {
        var folder = new RunFolder(root);
        var hash = ConfigJson.Hash(config);
        if (File.Exists(folder.ConfigFile))
        {
            var text = File.ReadAllText(folder.ConfigFile);
            var existing = ConfigJson.Resolve(null, text, folder.ConfigFile, []);
            var existingHash = existing.Match(ConfigJson.Hash, _ => "(unreadable)");
            if (existingHash != hash)
            {
                throw new InputError(
                    folder.ConfigFile, "configuration",
                    $"the configuration being run (hash {hash[..12]}); use another --out or remove the folder",
                    $"another configuration (hash {(existingHash.Length >= 12 ? existingHash[..12] : existingHash)})").ToException();
            }
        }
        else
        {
            Directory.CreateDirectory(folder.Root);
            WriteAllTextAtomic(folder.ConfigFile, ConfigJson.Pretty(config) + "\n");
        }

        return folder;
    }

    /// <summary>A temporary name beside <paramref name="path"/>, unique to this process.</summary>
    public static string TemporaryFor(string path) => $"{path}.tmp-{Environment.ProcessId}";

    public static void WriteAllTextAtomic(string path, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        WriteAtomic(path, temporary =>
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            stream.Write(bytes.AsSpan(0, bytes.Length / 2));
            if (StopPoints.Enabled)
            {
                stream.Flush();
                StopPoints.Pass(path + " (write-middle)");
            }

            stream.Write(bytes.AsSpan(bytes.Length / 2));
        });
    }

    /// <summary>
    /// Writes a file through <paramref name="write"/> at a temporary name, then renames it into place.
    /// A failed write (a full disk) removes the temporary and names <paramref name="path"/> in its message.
    /// </summary>
    public static void WriteAtomic(string path, Action<string> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = TemporaryFor(path);
        StopPoints.Pass(path + " (write-begin)");
        try
        {
            write(temporary);
            StopPoints.Pass(path + " (write-end)");
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new IOException($"{path}: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Fills a folder at a temporary name, then renames it into place (replacing an older one).</summary>
    public static void WriteFolderAtomic(string path, Action<string> fill)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = TemporaryFor(path);
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        try
        {
            Directory.CreateDirectory(temporary);
            fill(temporary);
            StopPoints.Pass(path + " (write-end)");
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            Directory.Move(temporary, path);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>Removes temporary files a killed run left behind (any process's).</summary>
    public void RemoveLeftovers()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        var leftovers = Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Where(e => IsTemporary(Relative(e)))
            .OrderByDescending(e => e.Length)
            .ToList();
        foreach (var entry in leftovers)
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else if (File.Exists(entry))
            {
                File.Delete(entry);
            }
        }
    }
}

using System.Text;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;

namespace Unlearning.Host.Experiment;

/// <summary>
/// The output folder of one configuration, and what in it says a stage is done. Every file is
/// written under a temporary name and renamed into place, so a file that exists is complete; a
/// stage's marker (below) is written last, so a stage whose marker exists is complete.
/// <code>
/// config.json              the resolved configuration (reads back with --config)
/// manifest.json            config hash, versions, every output file with its SHA-256
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

    /// <summary>The file or folder whose existence means the stage is done.</summary>
    public string Marker(Stage stage) => stage.Kind switch
    {
        StageKind.Data => ExamplesFile,
        StageKind.TrainBase => Path.Combine(BaseModel, "model.safetensors"),
        StageKind.TrainReference => Path.Combine(ReferenceModel(ReferenceIndex(stage)), "model.safetensors"),
        StageKind.Score => ScoresFile,
        StageKind.Forget => Part(stage.Id["forget/".Length..]),
        StageKind.Tables => ManifestFile,
        StageKind.Report => ReportFile,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage.Kind, "stage kind"),
    };

    public static int ReferenceIndex(Stage stage) =>
        int.Parse(stage.Id.AsSpan(stage.Id.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);

    public bool IsDone(Stage stage) =>
        stage.Kind == StageKind.Tables
            ? File.Exists(ManifestFile) && TableNames.All(t => File.Exists(Table(t)))
            : File.Exists(Marker(stage)) || Directory.Exists(Marker(stage));

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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = TemporaryFor(path);
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes a file through <paramref name="write"/> at a temporary name, then renames it into place.</summary>
    public static void WriteAtomic(string path, Action<string> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = TemporaryFor(path);
        try
        {
            write(temporary);
            File.Move(temporary, path, overwrite: true);
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

        Directory.CreateDirectory(temporary);
        try
        {
            fill(temporary);
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

        foreach (var entry in Directory.EnumerateFileSystemEntries(Root, "*.tmp-*", SearchOption.AllDirectories).ToList())
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

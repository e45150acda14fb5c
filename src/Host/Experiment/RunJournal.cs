using System.Text.Json.Nodes;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Storage;
using Unlearning.Storage.Manifest;

namespace Unlearning.Host.Experiment;

/// <summary>What <see cref="RunJournal.Check"/> found for a stage: done, or to run (with a notice when a damaged output was dropped).</summary>
public sealed record StageCheck(bool Done, string? Notice);

/// <summary>
/// manifest.json kept as the run's journal. Each stage, once finished, adds its output files with
/// their size and SHA-256 (the manifest is rewritten atomically after every stage); a stage about
/// to run drops its files first. So at any moment, a kill -9 included, the manifest lists exactly
/// the files of finished stages, whole. On resume a stage is done when the manifest lists every
/// output it must have and each file on disk still matches: before any file is used, it is hashed
/// again. A file that no longer matches (truncated, overwritten) is dropped and its stage redone
/// when the stage can be redone without changing a result (scores, an unlearning target, the tables,
/// the report); the data and the models cannot (every result came from them), so a damaged one is
/// an error naming it. A listed file that is missing makes its stage run again (a folder deleted
/// on purpose), and everything after it.
/// </summary>
public sealed class RunJournal
{
    private readonly RunFolder _folder;
    private readonly string _runId;
    private readonly JsonObject _config;
    private readonly IReadOnlyDictionary<string, string> _versions;
    private readonly SortedDictionary<string, ManifestFile> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _verified = new(StringComparer.Ordinal);

    private RunJournal(RunFolder folder, string runId, JsonObject config, IReadOnlyDictionary<string, string> versions, IEnumerable<ManifestFile> files)
    {
        _folder = folder;
        _runId = runId;
        _config = config;
        _versions = versions;
        foreach (var f in files)
        {
            _files[f.Path] = f;
        }
    }

    /// <summary>The journal of an experiment's folder: its manifest.json when there is one (it must be of this configuration).</summary>
    public static RunJournal Open(RunFolder folder, ExperimentConfig config, IReadOnlyDictionary<string, string> versions)
    {
        var hash = ConfigJson.Hash(config);
        var json = JsonNode.Parse(ConfigJson.Canonical(config))!.AsObject();
        var files = Array.Empty<ManifestFile>();
        if (File.Exists(folder.ManifestFile))
        {
            var manifest = ReadManifest(folder);
            if (manifest.ConfigHash != hash)
            {
                throw new InputError(folder.ManifestFile, "config_hash", $"{hash} (the run's configuration)", manifest.ConfigHash).ToException();
            }

            files = [.. manifest.Files];
        }

        return new RunJournal(folder, hash[..12], json, versions, files);
    }

    /// <summary>The journal of a folder's existing manifest.json (what <c>unlearn report</c> finds), or null when it has none.</summary>
    public static RunJournal? OpenExisting(RunFolder folder)
    {
        if (!File.Exists(folder.ManifestFile))
        {
            return null;
        }

        var manifest = ReadManifest(folder);
        return new RunJournal(folder, manifest.RunId, manifest.Config, manifest.Versions, manifest.Files);
    }

    private static RunManifest ReadManifest(RunFolder folder)
    {
        try
        {
            return Manifests.Read(folder.ManifestFile);
        }
        catch (StorageFormatException e)
        {
            throw new InputError(
                folder.ManifestFile, "manifest", "a readable run manifest (it records every finished file; restore it, or delete it to recompute the whole run)", e.Message).ToException();
        }
    }

    /// <summary>The files the manifest lists now (relative paths).</summary>
    public IReadOnlyCollection<string> Files => _files.Keys;

    /// <summary>
    /// Whether the stage is done, every file of it checked against the manifest first (once per
    /// process). A damaged output of a stage that can be redone is deleted and dropped from the
    /// manifest (the notice says so); one of a stage that cannot is an <see cref="InputException"/>.
    /// </summary>
    public StageCheck Check(Stage stage)
    {
        var owned = _files.Keys.Where(p => _folder.Owns(stage, p)).ToList();
        if (_folder.Outputs(stage).Any(o => !_files.ContainsKey(o)))
        {
            return new StageCheck(false, null);
        }

        var missing = new List<string>();
        foreach (var path in owned.Where(p => !_verified.Contains(p)))
        {
            var problem = Problem(_files[path]);
            if (problem is null)
            {
                _verified.Add(path);
                continue;
            }

            if (problem == Missing)
            {
                missing.Add(path);
                continue;
            }

            if (!RunFolder.CanRedo(stage))
            {
                throw new InputError(
                    Path.Combine(_folder.Root, path), "sha256", Recorded(_files[path]),
                    $"{problem}: the file is damaged, and {stage.Id} cannot be redone without changing the results made from it "
                    + "(restore the file from a copy, or delete the run folder to start again)").ToException();
            }

            Drop(stage, delete: true);
            return new StageCheck(false, $"{path} does not match manifest.json ({problem}): deleted, {stage.Id} runs again");
        }

        if (missing.Count > 0)
        {
            Drop(stage, delete: false);
            return new StageCheck(false, $"{string.Join(", ", missing)} missing: {stage.Id} runs again");
        }

        return new StageCheck(true, null);
    }

    /// <summary>Every file of the stage the manifest lists that is missing or no longer matches, as "PATH: what was found" (nothing deleted).</summary>
    public IReadOnlyList<InputError> Damaged(Stage stage) =>
    [
        .. _files.Values.Where(f => _folder.Owns(stage, f.Path)).Select(f => (File: f, Problem: Problem(f)))
            .Where(x => x.Problem is not null)
            .Select(x => new InputError(
                Path.Combine(_folder.Root, x.File.Path), "sha256",
                Recorded(x.File), x.Problem!)),
    ];

    private static string Recorded(ManifestFile f) => $"{f.Bytes} bytes with SHA-256 {f.Sha256}, as manifest.json records";

    private const string Missing = "missing";

    private string? Problem(ManifestFile recorded)
    {
        var full = Path.Combine(_folder.Root, recorded.Path);
        if (!File.Exists(full))
        {
            return Missing;
        }

        var now = Manifests.Describe(_folder.Root, recorded.Path);
        return now.Bytes == recorded.Bytes && now.Sha256 == recorded.Sha256
            ? null
            : $"{now.Bytes} bytes with SHA-256 {now.Sha256}";
    }

    /// <summary>Before a stage runs: its files leave the manifest (a kill while it runs then leaves none of them listed).</summary>
    public void Begin(Stage stage) => Drop(stage, delete: false);

    /// <summary>After a stage ran: every file it owns joins the manifest with its size and SHA-256.</summary>
    public void Record(Stage stage)
    {
        foreach (var path in Directory.EnumerateFiles(_folder.Root, "*", SearchOption.AllDirectories).Select(_folder.Relative))
        {
            if (!RunFolder.IsBookkeeping(path) && _folder.Owns(stage, path))
            {
                _files[path] = Manifests.Describe(_folder.Root, path);
                _verified.Add(path);
            }
        }

        Write();
    }

    private void Drop(Stage stage, bool delete)
    {
        var owned = _files.Keys.Where(p => _folder.Owns(stage, p)).ToList();
        if (owned.Count == 0)
        {
            return;
        }

        foreach (var path in owned)
        {
            _files.Remove(path);
            _verified.Remove(path);
        }

        Write();
        if (delete)
        {
            foreach (var path in owned)
            {
                File.Delete(Path.Combine(_folder.Root, path));
            }
        }
    }

    private void Write()
    {
        // config.json is listed too (re-hashed at every write: it is checked by its configuration hash, not here).
        var files = _files.Values.Where(f => f.Path != "config.json").ToList();
        if (File.Exists(_folder.ConfigFile))
        {
            files.Add(Manifests.Describe(_folder.Root, "config.json"));
        }

        var manifest = new RunManifest(
            _runId, _config, Manifests.ConfigHash(_config), _versions, [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)], DateTime.UtcNow);
        Manifests.Write(_folder.ManifestFile, manifest);
    }
}

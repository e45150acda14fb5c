using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Unlearning.Storage.Checkpoints;

namespace Unlearning.Storage.Manifest;

/// <summary>One output file of a run: its path relative to the run folder, size and SHA-256 (lower-case hex).</summary>
public sealed record ManifestFile(string Path, long Bytes, string Sha256);

/// <summary>
/// The run manifest (<c>manifest.json</c>): the resolved configuration, its hash, the versions of
/// the components, and every output file with its SHA-256, so a result can be traced to its inputs
/// and checked for tampering or truncation.
/// </summary>
public sealed record RunManifest(
    string RunId,
    JsonObject Config,
    string ConfigHash,
    IReadOnlyDictionary<string, string> Versions,
    IReadOnlyList<ManifestFile> Files,
    DateTime CreatedAt)
{
    public const int FormatVersion = 1;
    public const string FileName = "manifest.json";
}

public static class Manifests
{
    /// <summary>
    /// The canonical form of a JSON value: object keys sorted by ordinal, no insignificant
    /// whitespace, numbers as written, strings escaped the System.Text.Json way. Two configurations
    /// that differ only in key order or layout have the same canonical form and hash.
    /// </summary>
    public static string Canonical(JsonNode? node)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, node);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());

        static void Write(Utf8JsonWriter w, JsonNode? n)
        {
            switch (n)
            {
                case null:
                    w.WriteNullValue();
                    break;
                case JsonObject o:
                    w.WriteStartObject();
                    foreach (var kv in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    {
                        w.WritePropertyName(kv.Key);
                        Write(w, kv.Value);
                    }

                    w.WriteEndObject();
                    break;
                case JsonArray a:
                    w.WriteStartArray();
                    foreach (var x in a)
                    {
                        Write(w, x);
                    }

                    w.WriteEndArray();
                    break;
                default:
                    n.WriteTo(w);
                    break;
            }
        }
    }

    /// <summary>SHA-256 of the canonical configuration JSON (UTF-8), lower-case hex.</summary>
    public static string ConfigHash(JsonNode config) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(config))));

    /// <summary>Hashes a file by streaming it (constant memory).</summary>
    public static ManifestFile Describe(string root, string file)
    {
        var full = Path.GetFullPath(Path.Combine(root, file));
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = SHA256.HashData(stream);
        return new ManifestFile(Path.GetRelativePath(root, full).Replace('\\', '/'), stream.Length, Convert.ToHexStringLower(hash));
    }

    public static RunManifest Create(string runId, JsonObject config, IReadOnlyDictionary<string, string> versions, string root, IEnumerable<string> files, DateTime createdAt) =>
        new(runId, config, ConfigHash(config), versions, files.Select(f => Describe(root, f)).OrderBy(f => f.Path, StringComparer.Ordinal).ToArray(), createdAt);

    public static string ToJson(RunManifest m)
    {
        var o = new JsonObject
        {
            ["manifest_version"] = RunManifest.FormatVersion,
            ["run_id"] = m.RunId,
            ["created_at"] = m.CreatedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["config_hash"] = m.ConfigHash,
            ["config"] = m.Config.DeepClone(),
            ["versions"] = new JsonObject(m.Versions.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["files"] = new JsonArray(m.Files.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["bytes"] = f.Bytes, ["sha256"] = f.Sha256 }).ToArray()),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes the manifest atomically (temporary name, then rename).</summary>
    public static void Write(string path, RunManifest m) => AtomicFile.WriteText(path, ToJson(m));

    public static RunManifest Read(string path)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            throw new StorageFormatException(path, "manifest", "a JSON object", e.Message, e);
        }

        try
        {
            int version = (int)o["manifest_version"]!;
            if (version != RunManifest.FormatVersion)
            {
                throw new StorageFormatException(path, "manifest_version", RunManifest.FormatVersion.ToString(CultureInfo.InvariantCulture), version.ToString(CultureInfo.InvariantCulture));
            }

            var config = o["config"]!.AsObject();
            string hash = (string)o["config_hash"]!;
            string actual = ConfigHash(config);
            if (hash != actual)
            {
                throw new StorageFormatException(path, "config_hash", $"{actual} (SHA-256 of the canonical config)", hash);
            }

            return new RunManifest(
                (string)o["run_id"]!,
                (JsonObject)config.DeepClone(),
                hash,
                o["versions"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal),
                o["files"]!.AsArray().Select(f => new ManifestFile((string)f!["path"]!, (long)f["bytes"]!, (string)f["sha256"]!)).ToArray(),
                DateTime.Parse((string)o["created_at"]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException or ArgumentException)
        {
            throw new StorageFormatException(path, "manifest", "manifest_version, run_id, created_at, config_hash, config, versions, files", e.Message, e);
        }
    }

    /// <summary>
    /// Checks one file against the run manifest that lists it: the nearest <c>manifest.json</c> in the
    /// file's folder or a folder above. Returns that manifest's path, or null when the nearest manifest
    /// does not list the file or there is none (nothing to check against). A size or SHA-256 that
    /// differs from the manifest's is a <see cref="StorageFormatException"/> naming the file.
    /// </summary>
    public static string? VerifyFile(string file)
    {
        var full = Path.GetFullPath(file);
        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var manifestPath = Path.Combine(dir, RunManifest.FileName);
            if (!File.Exists(manifestPath))
            {
                continue;
            }

            var relative = Path.GetRelativePath(dir, full).Replace('\\', '/');
            var listed = Read(manifestPath).Files.FirstOrDefault(f => f.Path == relative);
            if (listed is null)
            {
                return null;
            }

            var now = Describe(dir, relative);
            if (now.Bytes != listed.Bytes || now.Sha256 != listed.Sha256)
            {
                throw new StorageFormatException(
                    file,
                    "sha256",
                    $"{listed.Sha256} ({listed.Bytes} bytes), as {manifestPath} records it",
                    $"{now.Sha256} ({now.Bytes} bytes): the file changed or is damaged since the run wrote it");
            }

            return manifestPath;
        }

        return null;
    }

    /// <summary>Re-hashes every listed file; returns one line per file that is missing or differs (empty: all match).</summary>
    public static IReadOnlyList<string> Verify(string root, RunManifest m)
    {
        var problems = new List<string>();
        foreach (var f in m.Files)
        {
            var full = Path.Combine(root, f.Path);
            if (!File.Exists(full))
            {
                problems.Add($"{f.Path}: missing");
                continue;
            }

            var now = Describe(root, f.Path);
            if (now.Bytes != f.Bytes || now.Sha256 != f.Sha256)
            {
                problems.Add($"{f.Path}: expected {f.Bytes} bytes with SHA-256 {f.Sha256}, found {now.Bytes} bytes with {now.Sha256}");
            }
        }

        return problems;
    }
}

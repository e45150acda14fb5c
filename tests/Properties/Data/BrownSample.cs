using Unlearning.Core.Data;
using Unlearning.Storage.Packages;

namespace Unlearning.Properties.Data;

/// <summary>The real corpora, read once per test run through the package cache.</summary>
public static class Corpora
{
    private static readonly Dictionary<string, Lazy<IReadOnlyList<Document>>> Read = Sources.All
        .Where(s => s != Sources.Canary)
        .ToDictionary(s => s, s => new Lazy<IReadOnlyList<Document>>(() =>
            PackageCorpora.Read(s, PackageCache.Default()).Match(d => d, e => throw e.ToException())));

    public static IReadOnlyList<Document> Of(string source) => Read[source].Value;
}

/// <summary>A few Brown documents as plain text, for tokenizer tests.</summary>
public static class BrownSample
{
    /// <summary>The texts of every 500/<paramref name="count"/>-th Brown document, so all genres appear.</summary>
    public static IReadOnlyList<string> Texts(int count)
    {
        var documents = Corpora.Of(Sources.Brown);
        return Enumerable.Range(0, count).Select(i => documents[i * documents.Count / count].Text).ToList();
    }
}

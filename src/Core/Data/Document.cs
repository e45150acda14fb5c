namespace Unlearning.Core.Data;

/// <summary>
/// One document of a source: the unit examples are cut from (an example never crosses two). The id is
/// stable across runs (e.g. <c>brown/ca01</c>, <c>code/000123</c>, <c>spam/spam-1/00001.7848…</c>);
/// metadata carries what a reader knows about it (Brown's genre, a code document's first line).
/// </summary>
public sealed record Document(string Source, string Id, string Text, IReadOnlyDictionary<string, string> Metadata)
{
    public Document(string source, string id, string text)
        : this(source, id, text, new Dictionary<string, string>())
    {
    }
}

/// <summary>The names of the sources of SPEC §1 (and the optional extra prose).</summary>
public static class Sources
{
    public const string Brown = "brown";
    public const string Code = "code";
    public const string Spam = "spam";
    public const string Canary = "canary";
    public const string MobyDick = "moby";
    public const string StateOfTheUnion = "sotu";

    public static IReadOnlyList<string> All { get; } = [Brown, Code, Spam, Canary, MobyDick, StateOfTheUnion];

    /// <summary>The in-distribution source; every other source is OOD.</summary>
    public static bool IsInDistribution(string source) => source == Brown;
}

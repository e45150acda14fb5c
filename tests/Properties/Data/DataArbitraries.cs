using FsCheck;
using FsCheck.Fluent;
using Unlearning.Core.Data;

namespace Unlearning.Properties.Data;

/// <summary>A small world: documents of three package sources, a config that usually fits, and a seed.</summary>
public sealed record World(SplitConfig Config, Dictionary<string, IReadOnlyList<Document>> Documents, int Seed)
{
    public override string ToString() =>
        $"L={Config.Length} train={Config.Train} seed={Seed} " + string.Join("; ", Config.Sources.Select(p => $"{p.Source} f{p.Forget} r{p.Repeats} p{p.Population} v{p.Validation}"))
        + " docs " + string.Join(",", Documents.Select(kv => $"{kv.Key}:{kv.Value.Count}"));
}

/// <summary>
/// The data laws' values: worlds of 6 to 14 documents per package source (60 to 400 words of
/// English, C, spam, accents, CJK, an emoji and newlines), split configurations that usually fit
/// them, and any bytes. Registered with <c>[Properties(Arbitrary = new[] { typeof(DataArbitraries) })]</c>.
/// </summary>
public static class DataArbitraries
{
    private static readonly string[] Words =
        ["the", "jury", "said", "int", "return", "(", ");", "{", "}", "FREE", "click", "here!", "über", "naïve", "日本", "🙂", "\n", "42", "x_1", "'s"];

    private static readonly Gen<string> Text =
        Gen.Choose(60, 400).SelectMany(n => Gen.ArrayOf(Gen.Elements(Words), n)).Select(ws => string.Join(' ', ws));

    private static Gen<IReadOnlyList<Document>> Docs(string source) =>
        Gen.Choose(6, 14).SelectMany(n => Gen.ArrayOf(Text, n))
            .Select(texts => (IReadOnlyList<Document>)texts.Select((t, i) => new Document(source, $"{source}/{i:D3}", t)).ToList());

    private static readonly Gen<World> AnyWorld =
        from length in Gen.Choose(8, 16)
        from brown in Docs(Sources.Brown)
        from code in Docs(Sources.Code)
        from spam in Docs(Sources.Spam)
        from sizes in Gen.ArrayOf(Gen.Choose(0, 3), 12)
        from repeats in Gen.Choose(1, 3)
        from allTrain in Gen.Elements(true, false)
        from seed in Gen.Choose(0, 1000)
        let canaries = new CanaryTemplate("pin", 16)
        let canaryPlan = new SourcePlan(Sources.Canary, sizes[9], repeats + 1, sizes[10], sizes[11], DocumentRoles.OnePerDocument)
        select new World(
            new SplitConfig(length, allTrain ? null : sizes[0] + 2,
            [
                new SourcePlan(Sources.Brown, sizes[0], 1, sizes[1], sizes[2], PopulationDocuments: 0.2, ValidationDocuments: 0.2),
                new SourcePlan(Sources.Code, sizes[3], repeats, sizes[4], sizes[5], PopulationDocuments: 0.25, ValidationDocuments: 0.25),
                new SourcePlan(Sources.Spam, sizes[6], 1, sizes[7], sizes[8], PopulationDocuments: 0.3, ValidationDocuments: 0.2),
                canaryPlan,
            ]),
            new Dictionary<string, IReadOnlyList<Document>>
            {
                [Sources.Brown] = brown,
                [Sources.Code] = code,
                [Sources.Spam] = spam,
                [Sources.Canary] = Canary.Generate(canaries, SplitConfig.DocumentsNeeded(canaryPlan), seed).Match(d => d, e => throw e.ToException()),
            },
            seed);

    public static Arbitrary<World> Worlds() => AnyWorld.ToArbitrary();

    /// <summary>Any bytes, for the decoders' round trips.</summary>
    public static Arbitrary<byte[]> Bytes() => Gen.ArrayOf(Gen.Choose(0, 255).Select(x => (byte)x)).ToArbitrary();
}

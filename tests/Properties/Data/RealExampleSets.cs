using Unlearning.Core.Data;
using Unlearning.Core.Tokenization;

namespace Unlearning.Properties.Data;

/// <summary>The default split on the real corpora, with the ID tokenizer trained on Brown's training documents.</summary>
public sealed class RealExampleSets
{
    [Fact]
    public void The_default_split_of_the_real_sources_has_the_sizes_asked()
    {
        var config = SplitConfig.Default;
        var canaryPlan = config.Plan(Sources.Canary)!;
        var documents = new Dictionary<string, IReadOnlyList<Document>>
        {
            [Sources.Brown] = Corpora.Of(Sources.Brown),
            [Sources.Code] = Corpora.Of(Sources.Code),
            [Sources.Spam] = Corpora.Of(Sources.Spam),
            [Sources.Canary] = Canary.Generate(new CanaryTemplate(), SplitConfig.DocumentsNeeded(canaryPlan), 1).Match(d => d, e => throw e.ToException()),
        };
        var split = ExampleSets.SplitDocuments(config, documents, 1).Match(s => s, e => throw e.ToException());
        Assert.Equal(400, split.Sources[Sources.Brown].Training.Count);
        var tokenizer = BpeTokenizer.Train(split.TokenizerTexts, 512).Match(t => t, e => throw e.ToException());
        var sets = ExampleSets.Build(split, tokenizer).Match(s => s, e => throw e.ToException());

        Assert.Equal(32, sets.ForgetId.Count);
        Assert.Equal(96, sets.ForgetOod.Count);
        Assert.All(sets.ForgetOod.Where(e => e.Source == Sources.Canary), e => Assert.Equal(0, e.TokenOffset));
        foreach (var source in new[] { Sources.Brown, Sources.Code, Sources.Spam, Sources.Canary })
        {
            Assert.Equal(256, sets.Population(source).Count);
            Assert.Equal(128, sets.Validation(source).Count);
        }

        // About 1.4 M tokens of training text at 512 tokens → well over 10,000 windows of 64.
        Assert.InRange(sets.DTrain.Count, 10_000, 40_000);
        Assert.StartsWith("the secret number is", tokenizer.Decode(sets.Population(Sources.Canary)[0].Tokens), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAll_gives_every_planned_source_with_canaries_generated_to_the_plan()
    {
        var config = new SplitConfig(64, null, [new SourcePlan(Sources.Brown, 1, 1, 1, 1), new SourcePlan(Sources.Canary, 3, 4, 5, 6, DocumentRoles.OnePerDocument)]);
        var documents = Unlearning.Storage.Packages.PackageCorpora.ReadAll(config, Unlearning.Storage.Packages.PackageCache.Default(), new CanaryTemplate(), 9)
            .Match(d => d, e => throw e.ToException());
        Assert.Equal([Sources.Brown, Sources.Canary], documents.Keys.Order());
        Assert.Equal(500, documents[Sources.Brown].Count);
        Assert.Equal(14, documents[Sources.Canary].Count);
    }
}

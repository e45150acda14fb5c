using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Data;
using Unlearning.Core.Tokenization;

namespace Unlearning.Properties.Data;

[Properties(Arbitrary = new[] { typeof(DataArbitraries) })]
public sealed class ExampleSetLaws
{
    private static BpeTokenizer Tokenizer => TestPackages.Gpt2;

    private static ExampleSets Build(World w) =>
        ExampleSets.Build(w.Config, w.Documents, Tokenizer, w.Seed).Match(s => s, e => throw e.ToException());

    [Property(MaxTest = 40)]
    public bool The_same_seed_gives_the_same_sets(World w) =>
        Build(w).Manifest() == Build(w).Manifest();

    [Property(MaxTest = 40)]
    public void Sizes_are_as_asked_and_D_train_holds_F_id(World w)
    {
        var sets = Build(w);
        foreach (var plan in w.Config.Sources)
        {
            Assert.Equal(plan.Population, sets.Population(plan.Source).Count);
            Assert.Equal(plan.Validation, sets.Validation(plan.Source).Count);
            if (plan.Source != Sources.Brown)
            {
                Assert.Equal(plan.Forget, sets.ForgetOod.Count(e => e.Source == plan.Source));
                Assert.All(sets.ForgetOod.Where(e => e.Source == plan.Source), e => Assert.Equal(plan.Repeats, e.Repeats));
            }
        }

        var brown = w.Config.Plan(Sources.Brown)!;
        Assert.Equal(brown.Forget, sets.ForgetId.Count);
        Assert.Subset(sets.DTrain.ToHashSet(), sets.ForgetId.ToHashSet());

        // |D_train| is as asked, or (null) every L-token window of Brown's training documents, counted here afresh.
        var windows = sets.Split.Sources[Sources.Brown].Training.Sum(d => Tokenizer.Encode(d.Text).Length / w.Config.Length);
        Assert.Equal(w.Config.Train ?? windows, sets.DTrain.Count);
        Assert.Equal(sets.DTrain.Count + sets.ForgetOod.Sum(e => e.Repeats), sets.BaseTraining.Count);
        Assert.Equal(sets.DTrain.Count - sets.ForgetId.Count, sets.ReferenceTraining.Count);
        Assert.DoesNotContain(sets.ReferenceTraining, e => e.Set == ExampleSet.ForgetId);
    }

    [Property(MaxTest = 40)]
    public void Every_example_is_L_tokens_of_one_document_traceable_through_the_manifest(World w)
    {
        var sets = Build(w);
        var documents = w.Documents.Values.SelectMany(d => d).ToDictionary(d => d.Id);
        var manifest = sets.Manifest().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(sets.All.Count, manifest.Count);
        foreach (var (e, row) in sets.All.Zip(manifest))
        {
            var document = documents[e.DocumentId];
            Assert.Equal(w.Config.Length, e.Tokens.Length);
            Assert.Equal(Tokenizer.Encode(document.Text).Skip(e.TokenOffset).Take(w.Config.Length), e.Tokens);
            var bytes = Encoding.UTF8.GetBytes(document.Text);
            Assert.Equal(bytes.AsSpan((int)e.ByteOffset, e.ByteLength).ToArray(), Tokenizer.DecodeBytes(e.Tokens));
            Assert.Equal([e.Id, e.Source, ExampleSets.SetName(e.Set), e.DocumentId, $"{e.TokenOffset}", $"{e.ByteOffset}", $"{e.ByteLength}", $"{e.Repeats}"], row);
        }
    }

    [Property(MaxTest = 40)]
    public void No_example_is_in_two_sets_and_no_two_examples_overlap(World w)
    {
        var sets = Build(w);
        Assert.Equal(sets.All.Count, sets.All.Select(e => e.Id).Distinct().Count());
        foreach (var group in sets.All.GroupBy(e => e.DocumentId))
        {
            var spans = group.OrderBy(e => e.TokenOffset).ToList();
            for (var k = 1; k < spans.Count; k++)
            {
                Assert.True(spans[k - 1].TokenOffset + w.Config.Length <= spans[k].TokenOffset, $"{spans[k - 1].Id} overlaps {spans[k].Id}");
            }
        }
    }

    [Property(MaxTest = 40)]
    public void Held_out_examples_never_share_a_document_or_tokens_with_trained_or_forget_examples(World w)
    {
        var sets = Build(w);
        var trained = sets.All.Where(e => e.Set is ExampleSet.Train or ExampleSet.ForgetId or ExampleSet.ForgetOod).ToList();
        var trainedDocuments = trained.Select(e => e.DocumentId).ToHashSet();
        var trainedTokens = trained.Select(e => string.Join(',', e.Tokens)).ToHashSet();
        var heldOut = sets.All.Where(e => e.Set is ExampleSet.Population or ExampleSet.Validation).ToList();
        Assert.DoesNotContain(heldOut, e => trainedDocuments.Contains(e.DocumentId) || trainedTokens.Contains(string.Join(',', e.Tokens)));
        var populationDocuments = sets.All.Where(e => e.Set == ExampleSet.Population).Select(e => e.DocumentId).ToHashSet();
        Assert.DoesNotContain(sets.All, e => e.Set == ExampleSet.Validation && populationDocuments.Contains(e.DocumentId));
    }

    [Property(MaxTest = 40)]
    public void The_ID_tokenizer_sees_only_Brown_training_documents(World w)
    {
        var split = ExampleSets.SplitDocuments(w.Config, w.Documents, w.Seed).Match(s => s, e => throw e.ToException());
        var brown = split.Sources[Sources.Brown];
        var heldOut = brown.Population.Concat(brown.Validation).Select(d => d.Text).ToHashSet();
        Assert.Equal(brown.Training.Select(d => d.Text), split.TokenizerTexts);
        Assert.DoesNotContain(split.TokenizerTexts, heldOut.Contains);
    }

    [Property(MaxTest = 30)]
    public void Asking_more_than_a_source_holds_says_how_many_it_holds(World w)
    {
        var code = w.Config.Plan(Sources.Code)! with { Population = 1_000_000 };
        var config = w.Config with { Sources = [.. w.Config.Sources.Select(p => p.Source == Sources.Code ? code : p)] };
        var error = ExampleSets.Build(config, w.Documents, Tokenizer, w.Seed).Match(_ => "built", e => e.ToString());
        var match = System.Text.RegularExpressions.Regex.Match(
            error, @"^configuration: split\.sources\[code\]\.population: expected at most (\d+): the population documents of source code \(\d+\) hold \1 examples");
        Assert.True(match.Success, error);
        var holds = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var exact = config with { Sources = [.. config.Sources.Select(p => p.Source == Sources.Code ? p with { Population = holds } : p)] };
        Assert.Equal(holds, Build(w with { Config = exact }).Population(Sources.Code).Count);
    }

    [Fact]
    public void An_unknown_source_in_the_configuration_is_an_error() =>
        Assert.Equal(
            "configuration: split.sources[latin]: expected a known source (brown, code, spam, canary, moby, sotu), found \"latin\"",
            (SplitConfig.Default with { Sources = [.. SplitConfig.Default.Sources, new SourcePlan("latin", 1, 1, 1, 1)] })
                .Validate().Match(_ => "", e => e.ToString()));

    [Fact]
    public void A_planned_source_without_documents_is_an_error() =>
        Assert.StartsWith(
            "documents: code: expected documents for every planned source",
            ExampleSets.SplitDocuments(
                    SplitConfig.Default,
                    new Dictionary<string, IReadOnlyList<Document>> { [Sources.Brown] = [new Document(Sources.Brown, "b", "text")] },
                    1)
                .Match(_ => "", e => e.ToString()),
            StringComparison.Ordinal);

    [Property(MaxTest = 10)]
    public void Asking_more_forget_candidates_than_D_train_holds_is_an_error(World w)
    {
        var brown = w.Config.Plan(Sources.Brown)! with { Forget = 100_000 };
        var config = w.Config with { Train = null, Sources = [.. w.Config.Sources.Select(p => p.Source == Sources.Brown ? brown : p)] };
        var error = ExampleSets.Build(config, w.Documents, Tokenizer, w.Seed).Match(_ => "built", e => e.ToString());
        Assert.Matches(@"^configuration: split\.sources\[brown\]\.forget: expected at most \d+: F_id is drawn from D_train", error);
    }
}

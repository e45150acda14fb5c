using Unlearning.Core.Experiment;
using Unlearning.Core.Methods;
using Unlearning.Core.Training;
using Unlearning.Host;

namespace Unlearning.Properties.Methods;

/// <summary>
/// The methods' configuration: every wrong value is bad input (exit 2, before any work) naming the key and
/// the allowed values; a method's section gives its objective, learning rate and step budget; retain
/// batches are seeded, drawn from the retain set only, and the same for every method of a target.
/// </summary>
public sealed class MethodConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-methods-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Code, string Error, bool Started) Run(params string[] sets)
    {
        var outDir = Path.Combine(_root, "run");
        var (code, _, error) = Cli.Capture(["run", "--out", outDir, .. sets.SelectMany(s => new[] { "--set", s })]);
        return (code, error, Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("unlearning.method=dpo", "unlearning.method: expected one of \"gradient_ascent\", \"grad_diff\", \"kl\", \"npo\", \"simnpo\", found \"dpo\"")]
    [InlineData("unlearning.methods=[npo,dpo]", "unlearning.methods: expected a list of distinct names, each one of \"gradient_ascent\", \"grad_diff\", \"kl\", \"npo\", \"simnpo\", found \"[npo,dpo]\"")]
    [InlineData("unlearning.methods=[npo,npo]", "unlearning.methods: expected a list of distinct names")]
    [InlineData("unlearning.npo.beta=0", "unlearning.npo.beta: expected a number in (0, 1000000], found \"0\"")]
    [InlineData("unlearning.simnpo.beta=-1", "unlearning.simnpo.beta: expected a number in (0, 1000000], found \"-1\"")]
    [InlineData("unlearning.grad_diff.lambda=-0.5", "unlearning.grad_diff.lambda: expected a number in [0, 1000000], found \"-0.5\"")]
    [InlineData("unlearning.kl.lambda=-1", "unlearning.kl.lambda: expected a number in [0, 1000000], found \"-1\"")]
    [InlineData("unlearning.retain_batch_size=503", "unlearning.retain_batch_size: expected at most 502, the retain set D_train \\ F_id (data.train_examples − data.brown.forget), found 503")]
    public void A_bad_method_setting_is_bad_input_naming_the_key_and_the_allowed_values(string set, string expected)
    {
        var (code, error, started) = Run(set, "unlearning.method=grad_diff");
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retain_batch_larger_than_the_retain_set_is_accepted_when_no_method_draws_one()
    {
        var config = ConfigJson.Resolve(null, null, "test", ["unlearning.retain_batch_size=600", "unlearning.methods=[gradient_ascent,npo]"]);
        Assert.True(config.IsSuccess);
    }

    [Fact]
    public void A_section_gives_the_method_its_objective_learning_rate_and_budget()
    {
        var u = Presets.QuickConfig().Unlearning with
        {
            Npo = new MethodSettings(LearningRate: 0.5, MaxSteps: 7, Lambda: 0.25, Beta: 0.3),
            SimNpo = new MethodSettings(Beta: 2, Gamma: 0.5),
        };
        var npo = u.For("npo");
        Assert.Equal(("npo", 0.5, 7), (npo.Method, npo.LearningRate, npo.MaxSteps));
        Assert.Equal(new Objective.Npo(0.3, 0.25), UnlearningMethods.Settings(npo).Objective);
        var sim = u.For("simnpo");
        Assert.Equal((u.LearningRate, u.MaxSteps), (sim.LearningRate, sim.MaxSteps));
        Assert.Equal(new Objective.SimNpo(2, 0.5, 0), UnlearningMethods.Settings(sim).Objective);
        Assert.Equal(Objective.MethodNames, u with { Methods = new MethodList(Objective.MethodNames) } is var all ? all.RunMethods : []);
        Assert.Equal(["gradient_ascent"], u.RunMethods);
    }

    [Fact]
    public void Retain_batches_are_seeded_come_from_the_retain_set_and_cover_it_before_repeating()
    {
        var pool = Enumerable.Range(0, 10).Select(i => new[] { i, i + 1 }).ToList();
        var seed = UnlearningMethods.RetainSeed(1, "brown-3");
        Assert.Equal(seed, UnlearningMethods.RetainSeed(1, "brown-3"));
        Assert.NotEqual(seed, UnlearningMethods.RetainSeed(2, "brown-3"));
        Assert.NotEqual(seed, UnlearningMethods.RetainSeed(1, "brown-4"));
        var a = new RetainBatches(pool, 4, seed);
        var b = new RetainBatches(pool, 4, seed);
        var drawn = Enumerable.Range(0, 5).Select(_ => a.Next()).ToList();
        Assert.All(drawn, batch => Assert.Equal(batch, b.Next()));
        Assert.All(drawn.SelectMany(x => x), s => Assert.Contains(s, pool));
        // The first 8 draws of a pass of 10 are distinct sequences.
        Assert.Equal(8, drawn.Take(2).SelectMany(x => x).Distinct().Count());
    }
}

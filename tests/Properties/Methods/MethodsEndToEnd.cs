using System.Globalization;
using Unlearning.Core.Experiment;
using Unlearning.Core.Results;
using Unlearning.Core.Training;
using Unlearning.Host.Experiment;
using Unlearning.Properties.Experiment;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Methods;

/// <summary>
/// The quick preset, shrunk for CI as <see cref="EndToEnd.Tiny"/> shrinks it, with all five methods in one
/// experiment: every target under every method from the same θ0, the method in every table written after
/// unlearning, its parameters and retain seed, and one set of verdicts per method in claims.parquet and in
/// the printed lines.
/// </summary>
public sealed class MethodsEndToEnd : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-methods-e2e-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void All_five_methods_run_every_target_from_the_same_theta0_and_give_one_set_of_verdicts_each()
    {
        var methods = Objective.MethodNames;
        var config = EndToEnd.Tiny($"unlearning.methods=[{string.Join(", ", methods)}]", "unlearning.retain_batch_size=4", "unlearning.npo.lambda=0.5");
        var dir = Path.Combine(_root, "run");
        var printed = new StringWriter();
        var result = EndToEnd.Run(config, dir, PipelineScope.Run, progress: new PlainProgress(printed));
        Assert.Equal("success", result.Status);
        Assert.Equal(5 * methods.Count, result.Stages.Count(s => s.Id.StartsWith("forget/", StringComparison.Ordinal)));

        var run = Assert.Single(ParquetTable<RunRow>.ReadAll(Path.Combine(dir, "runs.parquet")));
        Assert.Equal(string.Join(",", methods), run.Method);

        var examples = ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet"));
        var steps = ParquetTable<StepRow>.ReadAll(Path.Combine(dir, "steps.parquet"));
        Assert.Equal(5 * methods.Count, examples.Count);
        foreach (var example in examples.GroupBy(e => e.ExampleId))
        {
            Assert.Equal(methods.Order(StringComparer.Ordinal), example.Select(e => e.Method).Order(StringComparer.Ordinal));

            // The same θ0, θref and baselines under every method: step 0 is the same row but for its method.
            Assert.Single(example.Select(e => (e.BitsBase, e.ExposureBase, e.ExposureRef, e.Memorized)).Distinct());
            var firstSteps = steps.Where(s => s.ExampleId == example.Key && s.Step == 0).ToList();
            Assert.Equal(methods.Count, firstSteps.Count);
            Assert.Single(firstSteps.Select(s => s with { Method = "" }).Distinct());

            // Retain batches: drawn by grad_diff, kl and npo (λ > 0 here) from one seed per target; none for the others.
            var byMethod = example.ToDictionary(e => e.Method);
            Assert.Null(byMethod["gradient_ascent"].RetainSeed);
            Assert.Null(byMethod["simnpo"].RetainSeed);
            Assert.Single(new[] { "grad_diff", "kl", "npo" }.Select(m => byMethod[m].RetainSeed).Distinct());
            Assert.NotNull(byMethod["kl"].RetainSeed);
            Assert.All(new[] { "grad_diff", "kl", "npo" }, m => Assert.Equal(4, byMethod[m].RetainBatchSize));
            Assert.Equal((null, null, null), (byMethod["gradient_ascent"].MethodLambda, byMethod["gradient_ascent"].MethodBeta, byMethod["gradient_ascent"].MethodGamma));
            Assert.Equal((0.5, 0.1, (double?)null), (byMethod["npo"].MethodLambda, byMethod["npo"].MethodBeta, byMethod["npo"].MethodGamma));
            Assert.Equal((0.0, 0.5, 0.0), (byMethod["simnpo"].MethodLambda, byMethod["simnpo"].MethodBeta, byMethod["simnpo"].MethodGamma));
            Assert.All(example, e => Assert.Equal((config.Unlearning.LearningRate, config.Unlearning.MaxSteps), (e.LearningRate!.Value, e.MaxSteps!.Value)));
        }

        // Each method's steps are its own run: after step 0 the methods move θ differently.
        var drift = steps.Where(s => s.Step == 1).GroupBy(s => s.ExampleId).First().Select(s => s.Drift).ToList();
        Assert.Equal(methods.Count, drift.Distinct().Count());

        // claims.parquet: every claim's combined verdict once per method, analysis and exposure; the printed lines read off them.
        var claims = ParquetTable<ClaimRow>.ReadAll(Path.Combine(dir, "claims.parquet"));
        Assert.Equal(methods, claims.Select(r => r.Method).Distinct());
        foreach (var method in methods)
        {
            var combined = claims.Where(r => r.Method == method && r.Part == "all").ToList();
            Assert.Equal(["1", "2", "3"], combined.Select(r => r.Claim).Distinct());
            Assert.Equal(combined.Count, combined.Select(r => (r.Claim, r.Analysis, r.Exposure)).Distinct().Count());
        }

        var lines = printed.ToString().Split('\n').Where(l => methods.Any(m => l.StartsWith($"{m}: claim ", StringComparison.Ordinal))).ToList();
        Assert.Equal(Core.Report.Claims.Lines(claims), lines);
        Assert.Equal(3 * methods.Count, lines.Count);
        Assert.All(claims, r => Assert.Equal(config.Seed.ToString(CultureInfo.InvariantCulture), r.Seed));

        var report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("## Methods compared", report, StringComparison.Ordinal);
        Assert.All(methods, m => Assert.Contains($"| {m} |", report, StringComparison.Ordinal));
    }
}

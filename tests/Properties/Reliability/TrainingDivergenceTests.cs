using System.Text.Json;
using Unlearning.Core.Experiment;
using Unlearning.Core.Results;
using Unlearning.Host.Experiment;
using Unlearning.Properties.Experiment;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Reliability;

/// <summary>Divergence while training θ0 and θref is a recorded status with its step, never a crash (unlearning's: EndToEnd).</summary>
public sealed class TrainingDivergenceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-diverge-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Training_that_diverges_stops_at_its_step_keeps_finite_weights_and_the_run_finishes_with_the_status_and_no_unlearning_rows()
    {
        // Decoupled weight decay lr·wd = 10 multiplies the weights by −9 at every step: the loss leaves float range in a few dozen.
        var config = EndToEnd.Tiny("training.learning_rate=10", "training.weight_decay=1", "training.grad_clip=0", "training.warmup_steps=0", "training.schedule=constant", "training.steps=80");
        var dir = Path.Combine(_root, "run");
        var folder = RunFolder.Open(dir, config);
        using (var log = new RunLog(folder.LogFile))
        {
            var result = Pipeline.Execute(
                PipelineScope.Run, config, folder, new ExperimentWork(config, folder, null, log, EndToEnd.Corpus), new PlainProgress(TextWriter.Null), log, default);
            Assert.Equal("success", result.Status);
            Assert.All(result.Stages, s => Assert.Equal("ran", s.Action));
        }

        var diverged = new List<string>();
        foreach (var model in new[] { "base" }.Concat(Enumerable.Range(0, config.Reference.Seeds).Select(k => k == 0 ? "reference" : $"reference-{k}")))
        {
            var training = JsonSerializer.Deserialize<StoredTraining>(File.ReadAllText(Path.Combine(dir, "curves", model + ".json")), ExperimentWork.Json)!;
            var at = Assert.IsType<int>(training.DivergedAt);
            Assert.InRange(at, 1, config.Training.Steps);
            diverged.Add($"{model} at step {at}");

            // The curve holds the steps whose loss was finite, and the model kept is finite.
            var curve = ParquetTable<TrainingCurveRow>.ReadAll(Path.Combine(dir, "curves", model + ".parquet"));
            Assert.Equal(at - 1, curve.Count);
            Assert.All(curve, r => Assert.True(double.IsFinite(r.Loss)));
            var (_, tensors) = Unlearning.Storage.Checkpoints.Gpt2Checkpoint.Load(Path.Combine(dir, "models", model));
            Assert.All(tensors, t => Assert.True(t.Data.All(float.IsFinite), t.Name));
        }

        // Exposure against a diverged model means nothing: the run records the divergence and no unlearning rows.
        var run = Assert.Single(ParquetTable<RunRow>.ReadAll(Path.Combine(dir, "runs.parquet")));
        Assert.Equal("training_diverged: " + string.Join(", ", diverged), run.Status);
        Assert.Contains("status " + run.Status, File.ReadAllText(Path.Combine(dir, "report.md")), StringComparison.Ordinal);
        Assert.Empty(ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet")));
        Assert.Empty(ParquetTable<StepRow>.ReadAll(Path.Combine(dir, "steps.parquet")));
    }
}

using Unlearning.Core.Experiment;
using Unlearning.Core.Model;
using Unlearning.Core.Results;
using Unlearning.Core.Training;
using Unlearning.Host.Experiment;
using Unlearning.Properties.Experiment;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Engines;

/// <summary>
/// The (shrunk) quick preset end to end on --engine torch --device cpu: the same tables, schemas and
/// row counts as the managed run, the engine recorded in runs.parquet, and θ0's bits on the
/// populations within 1e-3 relative of the managed engine's when both load the same θ0 checkpoint.
/// </summary>
public sealed class TorchEndToEnd : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-torch-e2e-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void Run(ExperimentConfig config, string dir, IEngine engine)
    {
        var folder = RunFolder.Open(dir, config);
        using var log = new RunLog(folder.LogFile);
        var work = new ExperimentWork(config, folder, null, log, EndToEnd.Corpus, engine);
        Pipeline.Execute(PipelineScope.Run, config, folder, work, new PlainProgress(TextWriter.Null), log, default);
    }

    [Fact]
    public void The_torch_engine_writes_the_same_tables_and_scores_the_same_theta0()
    {
        var managedConfig = EndToEnd.Tiny();
        var torchConfig = EndToEnd.Tiny("engine=torch");
        var managedDir = Path.Combine(_root, "managed");
        var torchDir = Path.Combine(_root, "torch");
        Run(managedConfig, managedDir, new ManagedEngine(managedConfig.Threads));
        Run(torchConfig, torchDir, TorchParity.Torch.Value);

        foreach (var (table, schema) in new[] { (Tables.Runs, Tables.RunsSchema), (Tables.Examples, Tables.ExamplesSchema), (Tables.Steps, Tables.StepsSchema), (Tables.Populations, Tables.PopulationsSchema) })
        {
            using var file = ParquetFileReader.Open(Path.Combine(torchDir, table + ".parquet"));
            Assert.True(file.Schema.SameAs(schema), table);
        }

        var runs = ParquetTable<RunRow>.ReadAll(Path.Combine(torchDir, "runs.parquet"));
        Assert.Equal((EngineNames.Torch, EngineNames.Cpu, EngineNames.Fp32), (runs[0].Engine, runs[0].Device, runs[0].Precision));
        Assert.Equal(EngineNames.Managed, ParquetTable<RunRow>.ReadAll(Path.Combine(managedDir, "runs.parquet"))[0].Engine);
        Assert.Equal(
            ParquetTable<ExampleRow>.ReadAll(Path.Combine(managedDir, "examples.parquet")).Select(e => e.ExampleId),
            ParquetTable<ExampleRow>.ReadAll(Path.Combine(torchDir, "examples.parquet")).Select(e => e.ExampleId));
        Assert.Equal(
            ParquetTable<PopulationRow>.ReadAll(Path.Combine(managedDir, "populations.parquet")).Count,
            ParquetTable<PopulationRow>.ReadAll(Path.Combine(torchDir, "populations.parquet")).Count);
        Assert.NotEmpty(ParquetTable<StepRow>.ReadAll(Path.Combine(torchDir, "steps.parquet")));
        Assert.True(File.Exists(Path.Combine(torchDir, "report.md")));

        // The same θ0 (the managed run's checkpoint) scored by both engines.
        var folder = RunFolder.Open(managedDir, managedConfig);
        var populations = ParquetTable<PopulationRow>.ReadAll(Path.Combine(managedDir, "populations.parquet"));
        var gpt = ModelFiles.LoadConfig(folder.BaseModel, Gpt2CheckpointBos(managedDir));
        var theta0 = ModelFiles.Load(folder.BaseModel, gpt);
        var sequences = populations.Select(p => p.Tokens).ToList();
        var torchBits = TorchParity.Torch.Value.Evaluator(gpt, 32).Bind(e => e.Evaluate(theta0, sequences)).Match(s => s, e => throw e.ToException());
        for (int i = 0; i < populations.Count; i++)
        {
            Assert.True(Math.Abs(torchBits[i].NllBits - populations[i].BitsBase) <= 1e-3 * populations[i].BitsBase,
                $"{populations[i].ExampleId}: θ0 bits {torchBits[i].NllBits} (torch) vs {populations[i].BitsBase} (managed)");
        }
    }

    private static int Gpt2CheckpointBos(string dir) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "data", "examples.json"))).RootElement.GetProperty("bos").GetInt32();
}

using Unlearning.Core.Experiment;

namespace Unlearning.Host.Experiment;

/// <summary>The stages' work on the engine, data, metrics and storage (being integrated).</summary>
public sealed class ExperimentWork(ExperimentConfig config, RunFolder folder, string? cache, RunLog log) : IStageWork
{
    public ExperimentConfig Config { get; } = config;

    public RunFolder Folder { get; } = folder;

    public string? Cache { get; } = cache;

    public RunLog Log { get; } = log;

    public IReadOnlyList<ForgetCandidate> ForgetCandidates() => throw new NotSupportedException("the data stage is not integrated yet");

    public void Run(Stage stage, IRunProgress progress, CancellationToken cancel) =>
        throw new NotSupportedException($"stage {stage.Id} is not integrated yet");
}

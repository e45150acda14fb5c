using Unlearning.Core.Experiment;
using Unlearning.Core.Model;

namespace Unlearning.Host.Experiment;

// The narrow seams to the storage and report helpers' APIs: one call each, so that the pipeline
// does not depend on more of them than it uses.

/// <summary>Checkpoint folders in Hugging Face's layout (config.json + model.safetensors), through src/Storage/Checkpoints.</summary>
internal static class ModelFiles
{
    public static void Save(string folder, Gpt2Weights weights) =>
        throw new NotSupportedException("checkpoint writing waits for src/Storage/Checkpoints");

    public static Gpt2Weights Load(string folder, Gpt2Config expected) =>
        throw new NotSupportedException("checkpoint reading waits for src/Storage/Checkpoints");

    public static Gpt2Config LoadConfig(string folder) =>
        throw new NotSupportedException("checkpoint reading waits for src/Storage/Checkpoints");
}

/// <summary>manifest.json through src/Storage/Manifest: config, hash, versions, every output file's SHA-256.</summary>
internal static class RunManifest
{
    public static void Write(RunFolder folder, ExperimentConfig config) =>
        throw new NotSupportedException("the manifest waits for src/Storage/Manifest");
}

/// <summary>report.md and report.html through the report helper's command.</summary>
internal static class ReportStage
{
    public static void Write(string runFolder) =>
        throw new NotSupportedException("the report waits for src/Core/Report");
}

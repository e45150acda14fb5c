using System.Globalization;
using System.Text.Json.Nodes;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Core.Model;
using Unlearning.Storage.Checkpoints;
using Unlearning.Storage.Manifest;

namespace Unlearning.Host.Experiment;

// The narrow seams to the storage and report helpers' APIs: one call each, so that the pipeline
// does not depend on more of them than it uses.

/// <summary>Checkpoint folders in Hugging Face's layout (config.json + model.safetensors + tokenizer), through src/Storage/Checkpoints.</summary>
internal static class ModelFiles
{
    /// <summary>Writes θ with the tokenizer files of <paramref name="tokenizerFolder"/> (vocab.json, merges.txt).</summary>
    public static void Save(string folder, Gpt2Weights weights, string tokenizerFolder)
    {
        var tensors = weights.Specs.Select((spec, i) => new NamedTensor(spec.Name, spec.Shape, weights[i])).ToList();
        Gpt2Checkpoint.Save(folder, weights.Config, tensors, new CheckpointOptions
        {
            EndOfTextId = weights.Config.Bos,
            Tokenizer = new TokenizerFiles(Path.Combine(tokenizerFolder, Gpt2Checkpoint.VocabFile), Path.Combine(tokenizerFolder, Gpt2Checkpoint.MergesFile)),
        });
    }

    /// <summary>The folder's GPT-2 configuration, with BOS = <paramref name="bos"/> (the tokenizer's &lt;|endoftext|&gt;).</summary>
    public static Gpt2Config LoadConfig(string folder, int bos) => Guard(folder, () => Gpt2Checkpoint.ReadConfig(folder) with { BosTokenId = bos });

    /// <summary>Loads θ straight into fresh buffers; the folder's configuration must be <paramref name="expected"/>.</summary>
    public static Gpt2Weights Load(string folder, Gpt2Config expected) => Guard(folder, () =>
    {
        var found = Gpt2Checkpoint.ReadConfig(folder) with { BosTokenId = expected.BosTokenId };
        if (found != expected)
        {
            throw new InputError(Path.Combine(folder, Gpt2Checkpoint.ConfigFile), "configuration", expected.ToString(), found.ToString()).ToException();
        }

        var weights = Gpt2Weights.Zeros(expected);
        Gpt2Checkpoint.Load(folder, spec => weights[spec.Name]);
        return weights;
    });

    /// <summary>Storage's format errors become bad input naming the file and field.</summary>
    private static T Guard<T>(string folder, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Storage.StorageFormatException e)
        {
            throw new InputError(folder, "checkpoint", "a Hugging Face GPT-2 folder", e.Message).ToException();
        }
    }
}

/// <summary>report.md, report.html and the figures through the report helper's writer (what <c>unlearn report</c> does).</summary>
internal static class ReportStage
{
    /// <summary>
    /// Writes the report; returns the notices for the reader (no rasteriser, a failed PNG) and one
    /// line per claim of the paper with its verdict, as <c>unlearn report</c> prints them.
    /// </summary>
    public static (IReadOnlyList<string> Notices, IReadOnlyList<string> Claims) Write(string runFolder) =>
        Reporting.ReportFiles.Write(runFolder, Reporting.ParquetRunTables.Read, Reporting.Rasterizer.Find())
            .Match(
                written => (written.Notices, Core.Report.Claims.Lines(written.Model.ClaimRows)),
                e => throw e.ToException());
}

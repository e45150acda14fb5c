using Unlearning.Core.Experiment;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Host.Experiment;
using Unlearning.Properties.Storage;
using Unlearning.Storage.Checkpoints;

namespace Unlearning.Properties.Engines;

/// <summary>configs/gpt2-small.json (docs/gpu.md): it resolves, asks for the torch engine on CUDA in bf16, and takes GPT-2 small's shape from the --init folder.</summary>
public sealed class Gpt2SmallConfig : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-gpt2-small-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_gpt2_small_configuration_fine_tunes_a_124M_checkpoint_on_cuda()
    {
        // Hugging Face's GPT-2 small config.json as our checkpoint writer writes it (the weights are not needed to read the shape).
        var init = Directory.CreateDirectory(Path.Combine(_root, "gpt2")).FullName;
        File.WriteAllText(Path.Combine(init, "config.json"), Gpt2Checkpoint.ConfigJson(new Gpt2Config(50257, 1024, 768, 12, 12), 50256));
        var file = Path.Combine(DuckDb.RepositoryRoot(), "configs", "gpt2-small.json");
        var config = ConfigJson.Resolve(null, File.ReadAllText(file), file, [$"model.init={init}"])
            .Match(c => c, e => throw new InvalidOperationException(string.Join("; ", e)));

        Assert.Equal((EngineNames.Torch, EngineNames.Cuda, EngineNames.Bf16), (config.Engine, config.Device, config.Precision));
        Assert.True(config.Reference.Seeds >= 3, "a preset meant for verdicts has K ≥ 3 reference seeds (SPEC §2)");
        var gpt = ModelFiles.LoadConfig(init, 50256);
        Assert.Equal((12, 768, 12, 1024), (gpt.NLayer, gpt.NEmbd, gpt.NHead, gpt.NPositions));
        Assert.Equal(124_439_808, gpt.ParameterCount());
        Assert.True(config.Data.ExampleTokens <= gpt.NPositions);
    }
}

using Unlearning.Host;

namespace Unlearning.Properties.Engines;

/// <summary>Choosing an engine: every wrong choice is bad input (exit 2) naming what was expected, before any work.</summary>
public sealed class EngineChoiceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-engine-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Code, string Error, bool Started) Run(params string[] args)
    {
        var outDir = Path.Combine(_root, "run");
        var (code, _, error) = Cli.Capture(["run", "--out", outDir, .. args]);
        return (code, error, Directory.Exists(outDir));
    }

    [Fact]
    public void An_unknown_engine_names_the_two_engines()
    {
        var (code, error, started) = Run("--engine", "jax");
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains("engine: expected one of \"managed\", \"torch\", found \"jax\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_on_a_machine_without_it_is_bad_input_never_a_fallback()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            return; // a CUDA machine: the request is valid there (bench/gpu/run covers it)
        }

        var (code, error, started) = Run("--engine", "torch", "--device", "cuda");
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains("--device: cuda: expected a CUDA device LibTorch can use", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_with_the_managed_engine_and_bf16_on_cpu_are_bad_input()
    {
        var (code, error, started) = Run("--device", "cuda");
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains("device: expected cpu with engine managed", error, StringComparison.Ordinal);

        (code, error, started) = Run("--engine", "torch", "--precision", "bf16");
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains("precision: expected fp32 on device cpu (bf16 needs device cuda)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_unloadable_libtorch_is_bad_input_naming_the_folder()
    {
        var (code, error, started) = Run("--engine", "torch", "--libtorch", Path.Combine(_root, "nowhere"));
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains("expected an existing LibTorch lib folder (holding libtorch.so), found no such folder", error, StringComparison.Ordinal);

        var fake = Directory.CreateDirectory(Path.Combine(_root, "fake-libtorch")).FullName;
        File.WriteAllText(Path.Combine(fake, "libtorch.so"), "not a shared library");
        (code, error, started) = Run("--engine", "torch", "--libtorch", fake);
        Assert.Equal((ExitCodes.BadInput, false), (code, started));
        Assert.Contains("libtorch.so: expected a LibTorch TorchSharp 0.107 can load", error, StringComparison.Ordinal);
    }
}

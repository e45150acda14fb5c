using System.Runtime.InteropServices;
using LanguageExt;
using TorchSharp;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Torch;

/// <summary>
/// The torch engine (SPEC §11): the same GPT-2, optimizers and evaluation as the managed engine, on
/// LibTorch through TorchSharp, on CPU or CUDA, fp32 or bf16 (bf16: the forward and backward in
/// bf16 from fp32 master weights; optimizer state fp32). Parameters live in one flat tensor per
/// state (weights, each moment), so the optimizer is a handful of large element-wise kernels.
/// </summary>
public sealed class TorchEngine : IEngine
{
    /// <summary>The environment variable naming a LibTorch lib folder to load first (e.g. a PyTorch installation's torch/lib).</summary>
    public const string LibTorchVariable = "UNLEARNING_LIBTORCH";

    private TorchEngine(Device device, string deviceName, string precision)
    {
        Device = device;
        Precision = precision;
        Info = new EngineInfo(EngineNames.Torch, deviceName, precision, $"TorchSharp {typeof(torch).Assembly.GetName().Version}, LibTorch {LibTorchVersion()}");
    }

    public EngineInfo Info { get; }

    internal Device Device { get; }

    internal string Precision { get; }

    internal ScalarType ComputeType => Precision == EngineNames.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>
    /// Opens the engine after checking everything it needs, before any work: the device and precision
    /// names, a loadable LibTorch (from <paramref name="libTorch"/> or $UNLEARNING_LIBTORCH when given,
    /// else the one bundled with TorchSharp-cpu) and, for cuda, a visible CUDA device.
    /// </summary>
    public static Either<InputError, IEngine> Open(string device, string precision, int threads, string? libTorch)
    {
        if (!EngineNames.Devices.Contains(device))
        {
            return new InputError("engine torch", "device", "cpu or cuda", device);
        }

        if (!EngineNames.Precisions.Contains(precision))
        {
            return new InputError("engine torch", "precision", "fp32 or bf16", precision);
        }

        if (precision == EngineNames.Bf16 && device != EngineNames.Cuda)
        {
            return new InputError("engine torch", "precision", "fp32 on cpu (bf16 needs device cuda)", precision);
        }

        libTorch ??= Environment.GetEnvironmentVariable(LibTorchVariable) is { Length: > 0 } v ? v : null;
        var loaded = LoadLibTorch(libTorch);
        if (loaded.IsLeft)
        {
            return loaded.Map(_ => (IEngine)null!);
        }

        if (device == EngineNames.Cuda && !cuda.is_available())
        {
            return new InputError(
                "--device", "cuda",
                "a CUDA device LibTorch can use (torch.cuda.is_available()); a CUDA LibTorch is named with --libtorch or $UNLEARNING_LIBTORCH (docs/gpu.md)",
                $"no CUDA device visible to LibTorch {LibTorchVersion()}");
        }

        if (device == EngineNames.Cpu)
        {
            set_num_threads(threads);
        }

        return new TorchEngine(device == EngineNames.Cuda ? CUDA : CPU, device, precision);
    }

    public Either<InputError, ITrainer> Trainer(Gpt2Config config, TrainSettings settings) =>
        Gpt2Config.Validate(config).Bind(c => TrainSettings.Validate(settings).Map(s => (ITrainer)new TorchTrainer(this, c, s)));

    public Either<InputError, IEvaluator> Evaluator(Gpt2Config config, int batchSize) =>
        batchSize < 1
            ? new InputError("evaluation settings", "batch_size", "an integer ≥ 1", $"{batchSize}")
            : Gpt2Config.Validate(config).Map(c => (IEvaluator)new TorchEvaluator(this, c, batchSize));

    private static string LibTorchVersion()
    {
        try
        {
            return __version__;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or NotSupportedException)
        {
            return "?";
        }
    }

    /// <summary>
    /// A LibTorch the process can use. With a folder, its libraries are loaded by full path first, so
    /// that LibTorchSharp's own needs (libtorch.so, libc10.so …) resolve to them (the dynamic linker
    /// matches a needed library against those already loaded by their soname).
    /// </summary>
    private static Either<InputError, Unit> LoadLibTorch(string? folder)
    {
        const string Expected = "a LibTorch TorchSharp 0.107 can load: the CPU one of TorchSharp-cpu (build src/Torch: it lands in torch/ beside unlearn), or a LibTorch lib folder named with --libtorch or $UNLEARNING_LIBTORCH (docs/engine.md)";
        if (folder is not null)
        {
            if (!Directory.Exists(folder))
            {
                return new InputError("--libtorch", folder, "an existing LibTorch lib folder (holding libtorch.so)", "no such folder");
            }

            foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
            {
                var path = Path.Combine(folder, name);
                if (File.Exists(path) && !NativeLibrary.TryLoad(path, out _))
                {
                    return new InputError("--libtorch", path, Expected, "a library the dynamic linker refused");
                }
            }
        }

        try
        {
            InitializeDeviceType(DeviceType.CPU);
            return Unit.Default;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException or InvalidOperationException)
        {
            var inner = e;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            return new InputError("engine torch", "LibTorch", Expected, inner.Message.Split('\n')[0]);
        }
    }
}

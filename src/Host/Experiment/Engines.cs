using System.Reflection;
using System.Runtime.Loader;
using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Core.Training;

namespace Unlearning.Host.Experiment;

/// <summary>
/// Chooses the engine a run asks for, before any work. The managed engine is built in; the torch
/// engine is the separate assembly Unlearning.Torch (src/Torch), loaded only when asked for: from
/// the process's own assemblies (tests), else from torch/ beside unlearn (where building src/Torch
/// puts it), else from the folder $UNLEARNING_TORCH_ENGINE names.
/// </summary>
public static class Engines
{
    public const string PluginVariable = "UNLEARNING_TORCH_ENGINE";

    public static Either<InputError, IEngine> Open(ExperimentConfig config, string? libTorch = null) => config.Engine switch
    {
        EngineNames.Managed when config.Device == EngineNames.Cpu => new ManagedEngine(config.Threads),
        EngineNames.Managed => new InputError("--device", config.Device, "cpu with engine managed (cuda needs --engine torch)", config.Device),
        EngineNames.Torch => OpenTorch(config, libTorch),
        _ => new InputError("--engine", config.Engine, "one of \"managed\", \"torch\"", config.Engine),
    };

    private static Either<InputError, IEngine> OpenTorch(ExperimentConfig config, string? libTorch)
    {
        var assembly = LoadTorchAssembly(out var looked);
        if (assembly is null)
        {
            return new InputError("--engine", "torch",
                "the torch engine Unlearning.Torch.dll in torch/ beside unlearn or in $UNLEARNING_TORCH_ENGINE (build it: dotnet build src/Torch -c Release; docs/engine.md)",
                $"not found ({string.Join(", ", looked)})");
        }

        var open = assembly.GetType("Unlearning.Torch.TorchEngine")?.GetMethod("Open", BindingFlags.Public | BindingFlags.Static);
        if (open is null)
        {
            return new InputError(assembly.Location, "Unlearning.Torch.TorchEngine.Open", "the torch engine's entry point", "none");
        }

        return (Either<InputError, IEngine>)open.Invoke(null, [config.Device, config.Precision, config.Threads, libTorch])!;
    }

    private static Assembly? LoadTorchAssembly(out List<string> looked)
    {
        looked = ["the process's assemblies"];
        try
        {
            return Assembly.Load(new AssemblyName("Unlearning.Torch"));
        }
        catch (FileNotFoundException)
        {
        }

        foreach (var dir in new[] { Environment.GetEnvironmentVariable(PluginVariable), Path.Combine(AppContext.BaseDirectory, "torch") })
        {
            if (string.IsNullOrEmpty(dir))
            {
                continue;
            }

            var path = Path.GetFullPath(Path.Combine(dir, "Unlearning.Torch.dll"));
            looked.Add(path);
            if (File.Exists(path))
            {
                return new EngineLoadContext(path).LoadFromAssemblyPath(path);
            }
        }

        return null;
    }

    /// <summary>
    /// The torch engine's own load context: TorchSharp and its native LibTorch resolve from the
    /// engine's folder (its deps.json); the project's assemblies and LanguageExt come from the
    /// process, so IEngine and InputError are the same types on both sides.
    /// </summary>
    private sealed class EngineLoadContext(string path) : AssemblyLoadContext("torch engine")
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is { } n && (n.StartsWith("Unlearning.", StringComparison.Ordinal) && n != "Unlearning.Torch" || n.StartsWith("LanguageExt", StringComparison.Ordinal)))
            {
                return null;
            }

            return _resolver.ResolveAssemblyToPath(name) is { } p ? LoadFromAssemblyPath(p) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } p ? LoadUnmanagedDllFromPath(p) : IntPtr.Zero;
    }
}

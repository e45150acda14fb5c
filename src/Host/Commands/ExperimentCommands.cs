using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Core.Training;
using Unlearning.Host.Experiment;

namespace Unlearning.Host.Commands;

/// <summary><c>unlearn run</c>, <c>unlearn train</c>, <c>unlearn forget</c>: the experiment and its stages.</summary>
public static class ExperimentCommands
{
    public static Command Run() => Build(
        "run", PipelineScope.Run,
        "Run the whole experiment: data, θ0 and θref, unlearning of every forget example, tables, report. "
        + "Resumes what an earlier run of the same configuration left unfinished.");

    public static Command Train() => Build(
        "train", PipelineScope.Train,
        "Build the example sets and train θ0 (models/base) and θref (models/reference), with training curves (curves/).");

    public static Command Forget() => Build(
        "forget", PipelineScope.Forget,
        "Unlearn every forget example by gradient ascent from θ0 (the models must exist: run `unlearn train` first), "
        + "then write the tables.");

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record Options(
        Option<string?> Preset,
        Option<string?> Config,
        Option<string[]> Set,
        Option<string?> Out,
        Option<string?> Init,
        Option<string?> Cache,
        Option<string?> Engine,
        Option<string?> Device,
        Option<string?> Precision,
        Option<string?> LibTorch,
        Option<bool> Json,
        Option<int> Replicates);

    private static Command Build(string name, PipelineScope scope, string description)
    {
        var o = new Options(
            new Option<string?>("--preset") { Description = $"Start from a preset: {string.Join(", ", Presets.Names)} (default {Presets.Default}).", HelpName = "NAME" },
            new Option<string?>("--config") { Description = "A JSON configuration file (docs/configuration.md); its keys override the preset.", HelpName = "FILE" },
            new Option<string[]>("--set")
            {
                Description = "Override one key, e.g. --set training.steps=200 (repeatable; applied after the file).",
                HelpName = "KEY=VALUE",
                Arity = ArgumentArity.ZeroOrMore,
                AllowMultipleArgumentsPerToken = false,
            },
            new Option<string?>("--out") { Description = "Output folder (default runs/<preset>-<config hash>).", HelpName = "DIR" },
            new Option<string?>("--init") { Description = "Start from a Hugging Face GPT-2 folder with its tokenizer (same as --set model.init=PATH).", HelpName = "PATH" },
            new Option<string?>("--cache") { Description = "Package cache folder (default $UNLEARNING_CACHE, else ~/.cache/unlearning/packages).", HelpName = "DIR" },
            new Option<string?>("--engine") { Description = "managed (default) or torch (same as --set engine=NAME; docs/engine.md).", HelpName = "NAME" },
            new Option<string?>("--device") { Description = "cpu (default) or cuda, for --engine torch (same as --set device=NAME; docs/gpu.md).", HelpName = "NAME" },
            new Option<string?>("--precision") { Description = "fp32 (default) or bf16 on cuda (same as --set precision=NAME).", HelpName = "NAME" },
            new Option<string?>("--libtorch") { Description = "A LibTorch lib folder for --engine torch, e.g. a PyTorch installation's torch/lib (default $UNLEARNING_LIBTORCH, else the bundled CPU one).", HelpName = "DIR" },
            new Option<bool>("--json") { Description = "Print a JSON summary of what was done and where it was written (progress goes to stderr)." },
            new Option<int>("--replicates")
            {
                Description = "Run the whole experiment over S seeds (seed, seed+1000, …) into one folder (seed-<seed>/ each, resumable per seed) and pool them in one report.",
                HelpName = "S",
                DefaultValueFactory = _ => 1,
            });
        var command = new Command(name, description) { o.Preset, o.Config, o.Set, o.Out, o.Init, o.Cache, o.Engine, o.Device, o.Precision, o.LibTorch, o.Json };
        if (scope == PipelineScope.Run)
        {
            command.Options.Add(o.Replicates);
        }

        // A synchronous action with our own signal handling: Ctrl+C (SIGINT) or SIGTERM cancels the
        // run between two steps, finished work is kept and the exit code is 130. (System.CommandLine's
        // own handling of async actions ends the process after a timeout, before the run could stop.)
        command.SetAction(parse =>
        {
            using var cancel = new CancellationTokenSource();
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                cancel.Cancel();
            }

            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            return Execute(name, scope, o, parse, cancel.Token);
        });
        return command;
    }

    private static int Execute(string name, PipelineScope scope, Options o, ParseResult parse, CancellationToken cancel)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var json = parse.GetValue(o.Json);
        var clock = Stopwatch.StartNew();

        // Configuration: bad input is reported in full before anything runs.
        var configPath = parse.GetValue(o.Config);
        string? fileText = null;
        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                return BadInput(name, json, output, error, [new InputError("--config", configPath, "an existing JSON file", "no such file")]);
            }

            fileText = File.ReadAllText(configPath);
        }

        var overrides = (parse.GetValue(o.Set) ?? []).ToList();
        if (parse.GetValue(o.Init) is { } init)
        {
            overrides.Add($"model.init={Path.GetFullPath(init)}");
        }

        foreach (var (key, option) in new[] { ("engine", o.Engine), ("device", o.Device), ("precision", o.Precision) })
        {
            if (parse.GetValue(option) is { } value)
            {
                overrides.Add($"{key}={value}");
            }
        }

        var resolved = ConfigJson.Resolve(parse.GetValue(o.Preset), fileText, configPath ?? "", overrides);
        if (resolved.IsFail)
        {
            return BadInput(name, json, output, error, resolved.Match(_ => [], e => e.ToList()));
        }

        var config = resolved.Match(c => c, _ => throw new UnreachableException());

        // The engine (and for torch its LibTorch and device) is checked before any work.
        var engine = Engines.Open(config, parse.GetValue(o.LibTorch));
        if (engine.IsLeft)
        {
            return BadInput(name, json, output, error, [engine.Match(_ => throw new UnreachableException(), e => e)]);
        }

        var chosen = engine.Match(e => e, _ => throw new UnreachableException());

        var replicates = scope == PipelineScope.Run ? parse.GetValue(o.Replicates) : 1;
        if (replicates < 1)
        {
            return BadInput(name, json, output, error, [new InputError("--replicates", "replicates", "at least 1 (seeds to run the experiment over)", replicates.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }

        var hash = ConfigJson.Hash(config);
        var outDir = Path.GetFullPath(parse.GetValue(o.Out) ?? (replicates > 1 ? $"{RunFolder.DefaultFor(config)}-x{replicates}" : RunFolder.DefaultFor(config)));
        var console = json ? error : output;

        // The lock first: a folder another process is using is left untouched.
        var taken = RunLock.Take(outDir, name);
        if (taken.IsLeft)
        {
            return Locked(name, json, output, error, taken.Match(_ => throw new UnreachableException(), e => e));
        }

        using var folderLock = taken.Match(l => l, _ => throw new UnreachableException());
        RunFolder folder;
        try
        {
            folder = RunFolder.Open(outDir, config);
        }
        catch (InputException e)
        {
            return BadInput(name, json, output, error, [e.Error]);
        }
        catch (IOException e)
        {
            // config.json could not be written (a full disk): nothing ran.
            error.WriteLine($"{Cli.Name} {name}: failed: {e.Message}");
            return ExitCodes.RunFailed;
        }

        folder.RemoveLeftovers();
        using var log = new RunLog(folder.LogFile);
        log.Line($"unlearn {name} {Cli.Version}: config {hash}, out {folder.Root}, threads {config.Threads}, engine {chosen.Info.Name} on {chosen.Info.Device} ({chosen.Info.Precision}, {chosen.Info.Library}), process {Environment.ProcessId}");
        if (folderLock.TakenOverFrom is { } stale)
        {
            log.Line($"lock: taken over from {stale}, {(RunLock.IsRunning(stale) ? "whose pid now names another process" : "no longer running")}");
        }

        console.WriteLine($"unlearn {name}: preset {config.Preset}, config {hash[..12]}, output {folder.Root}");
        if (folderLock.TakenOverFrom is { } previous)
        {
            console.WriteLine($"unlearn {name}: took over the lock left by {previous}");
        }

        PipelineResult result;
        int code;
        var outcomes = new List<StageOutcome>();
        try
        {
            var cache = parse.GetValue(o.Cache);
            var interactive = !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            PipelineResult Go(IRunProgress p) => replicates > 1
                ? ReplicateRuns.Run(replicates, config, folder, (c, f) => new ExperimentWork(c, f, cache, log, engine: chosen), p, log, cancel, outcomes)
                : RunPipeline(scope, config, chosen, folder, cache, p, log, cancel, outcomes);
            result = interactive ? LiveProgress.Run(AnsiConsole.Console, Go) : Go(new PlainProgress(console));
            code = ExitCodes.Success;
        }
        catch (InputException e)
        {
            log.Line($"bad input: {e.Error}");
            return BadInput(name, json, output, error, [e.Error], folder.Root);
        }
        catch (OperationCanceledException)
        {
            log.Line("interrupted; finished work is kept and a rerun resumes");
            error.WriteLine($"{Cli.Name} {name}: interrupted; finished work is kept in {folder.Root}, rerun to resume.");
            result = new PipelineResult("interrupted", outcomes, null);
            code = ExitCodes.Interrupted;
        }
#pragma warning disable CA1031 // A failed stage ends the command with its message and exit code, never a stack dump.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.Line($"failed: {e}");
            error.WriteLine($"{Cli.Name} {name}: failed: {e.Message} (details in {folder.LogFile})");
            result = new PipelineResult("failed", outcomes, e.Message);
            code = ExitCodes.RunFailed;
        }

        log.Line($"unlearn {name}: {result.Status} in {clock.Elapsed.TotalSeconds:0.0} s");
        if (json)
        {
            output.WriteLine(Summary(name, result, code, config, folder, clock.Elapsed).ToJsonString(JsonOptions));
        }
        else if (code == ExitCodes.Success)
        {
            var ran = result.Stages.Count(s => s.Action == "ran");
            var skipped = result.Stages.Count(s => s.Action == "skipped");
            output.WriteLine($"unlearn {name}: done in {PlainProgress.Duration(clock.Elapsed)} ({ran} stages ran, {skipped} already done). Output: {folder.Root}");
        }

        return code;
    }

    private static PipelineResult RunPipeline(
        PipelineScope scope, ExperimentConfig config, IEngine engine, RunFolder folder, string? cache, IRunProgress progress, RunLog log,
        CancellationToken cancel, List<StageOutcome> outcomes)
    {
        var work = new ExperimentWork(config, folder, cache, log, engine: engine);
        return Pipeline.Execute(scope, config, folder, work, progress, log, cancel, outcomes);
    }

    private static int Locked(string name, bool json, TextWriter output, TextWriter error, InputError e) =>
        BadInput(name, json, output, error, [e], e.Where, ExitCodes.Locked, "locked");

    private static int BadInput(string name, bool json, TextWriter output, TextWriter error, IReadOnlyList<InputError> errors, string? outDir = null,
        int code = ExitCodes.BadInput, string status = "bad_input")
    {
        foreach (var e in errors)
        {
            error.WriteLine($"{Cli.Name} {name}: {e}");
        }

        if (json)
        {
            var summary = new JsonObject
            {
                ["command"] = name,
                ["status"] = status,
                ["exit_code"] = code,
                ["out"] = outDir,
                ["errors"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
                {
                    ["where"] = e.Where,
                    ["field"] = e.Field,
                    ["expected"] = e.Expected,
                    ["found"] = e.Found,
                }).ToArray()),
            };
            output.WriteLine(summary.ToJsonString(JsonOptions));
        }

        return code;
    }

    private static JsonObject Summary(string name, PipelineResult result, int code, ExperimentConfig config, RunFolder folder, TimeSpan elapsed)
    {
        var files = new JsonObject();
        foreach (var t in RunFolder.TableNames)
        {
            files[t] = File.Exists(folder.Table(t)) ? folder.Table(t) : null;
        }

        files["config"] = folder.ConfigFile;
        files["manifest"] = File.Exists(folder.ManifestFile) ? folder.ManifestFile : null;
        files["log"] = folder.LogFile;
        files["report"] = File.Exists(folder.ReportFile) ? folder.ReportFile : null;
        files["base_model"] = Directory.Exists(folder.BaseModel) ? folder.BaseModel : null;
        files["reference_model"] = Directory.Exists(folder.ReferenceModel(0)) ? folder.ReferenceModel(0) : null;
        return new JsonObject
        {
            ["command"] = name,
            ["status"] = result.Status,
            ["exit_code"] = code,
            ["out"] = folder.Root,
            ["preset"] = config.Preset,
            ["config_hash"] = ConfigJson.Hash(config),
            ["seconds"] = Math.Round(elapsed.TotalSeconds, 3),
            ["stages"] = new JsonArray(result.Stages.Select(s => (JsonNode)new JsonObject
            {
                ["id"] = s.Id,
                ["action"] = s.Action,
                ["seconds"] = Math.Round(s.Seconds, 3),
            }).ToArray()),
            ["forget_targets"] = new JsonObject
            {
                ["ran"] = result.Stages.Count(s => s.Id.StartsWith("forget/", StringComparison.Ordinal) && s.Action == "ran"),
                ["skipped"] = result.Stages.Count(s => s.Id.StartsWith("forget/", StringComparison.Ordinal) && s.Action == "skipped"),
            },
            ["files"] = files,
            ["error"] = result.Error,
        };
    }
}

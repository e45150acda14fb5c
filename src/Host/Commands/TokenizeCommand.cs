using System.CommandLine;
using LanguageExt;
using static LanguageExt.Prelude;
using Unlearning.Core.Errors;
using Unlearning.Core.Tokenization;
using Unlearning.Storage.Packages;

namespace Unlearning.Host.Commands;

/// <summary>
/// <c>unlearn tokenize --vocab gpt2|PATH [--file F | TEXT]</c>: the token ids of each input line as a JSON
/// array, one output line per input line. A literal <c>\n</c> in a line stands for a newline (and <c>\\</c>
/// for a backslash), so multi-line text fits on one line.
/// </summary>
public static class TokenizeCommand
{
    public static Command Build()
    {
        var vocab = new System.CommandLine.Option<string>("--vocab")
        {
            Description = "\"gpt2\" for GPT-2's own BPE (from the package cache), or a folder holding vocab.json and merges.txt",
            HelpName = "gpt2|PATH",
            Required = true,
        };
        var file = new System.CommandLine.Option<string?>("--file") { Description = "Tokenize each line of this file (a literal \\n in a line stands for a newline)", HelpName = "F" };
        var cache = DataCommand.CacheOption();
        var text = new Argument<string?>("TEXT") { Description = "Text to tokenize, as one line (a literal \\n stands for a newline)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("tokenize", "Print the token ids of each input line as a JSON array.") { vocab, file, cache, text };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file);
            var argument = parse.GetValue(text);
            if ((path is null) == (argument is null))
            {
                error.WriteLine($"{Cli.Name} tokenize: give either --file F or TEXT (exactly one)");
                return ExitCodes.BadInput;
            }

            var lines = path is null ? Right<InputError, string[]>([argument!]) : ReadLines(path);
            var tokenizer = Tokenizer(parse.GetValue(vocab)!, parse.GetValue(cache));
            return lines.Bind(ls => tokenizer.Map(t => (Lines: ls, Tokenizer: t))).Match(
                ok =>
                {
                    foreach (var line in ok.Lines)
                    {
                        output.WriteLine("[" + string.Join(", ", ok.Tokenizer.Encode(Unescape(line))) + "]");
                    }

                    return ExitCodes.Success;
                },
                e =>
                {
                    error.WriteLine($"{Cli.Name} tokenize: {e}");
                    return ExitCodes.BadInput;
                });
        });
        return command;
    }

    private static Either<InputError, BpeTokenizer> Tokenizer(string vocab, string? cache)
    {
        if (vocab == "gpt2")
        {
            return PackageCorpora.Gpt2(new PackageCache(PackageCache.DefaultRoot(cache)));
        }

        var folder = File.Exists(vocab) && Path.GetFileName(vocab) is "vocab.json" or "merges.txt" ? Path.GetDirectoryName(Path.GetFullPath(vocab))! : vocab;
        return Directory.Exists(folder)
            ? PackageCorpora.LoadTokenizer(folder)
            : new InputError(vocab, "--vocab", "\"gpt2\" or a folder holding vocab.json and merges.txt", "no such folder");
    }

    private static Either<InputError, string[]> ReadLines(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            return text.EndsWith('\n') ? lines[..^1] : lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new InputError(path, "--file", "a readable text file", e.Message);
        }
    }

    /// <summary><c>\n</c> → newline, <c>\\</c> → backslash; any other backslash stays as it is.</summary>
    internal static string Unescape(string line)
    {
        var text = new System.Text.StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is 'n' or '\\')
            {
                text.Append(line[i + 1] == 'n' ? '\n' : '\\');
                i++;
            }
            else
            {
                text.Append(line[i]);
            }
        }

        return text.ToString();
    }
}

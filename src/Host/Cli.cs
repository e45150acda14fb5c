using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using Unlearning.Host.Commands;

namespace Unlearning.Host;

/// <summary>The <c>unlearn</c> command tree. Each subcommand lives in Commands/ and is added in <see cref="Build"/>.</summary>
public static class Cli
{
    public const string Name = "unlearn";

    /// <summary>Help is wrapped at a fixed width so it reads the same in a terminal, a pipe and a test.</summary>
    private const int HelpWidth = 100;

    public static string Version =>
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(Cli).Assembly.GetName().Version?.ToString(3)
        ?? "0.0.0";

    /// <summary>
    /// The root is a plain <see cref="Command"/> named <c>unlearn</c> rather than a RootCommand, whose
    /// name is the process's: under a test host the help text would otherwise say "testhost".
    /// </summary>
    public static Command Build()
    {
        var root = new Command(
            Name,
            "Unlearning: train GPT-2 models, unlearn in- and out-of-distribution examples by gradient ascent, "
            + "and measure exposure, utility and their trade-off.")
        {
            new HelpOption { Action = new HelpAction { MaxWidth = HelpWidth } },
            new VersionOption { Action = new PrintVersion() },
        };
        foreach (var command in Commands())
        {
            root.Subcommands.Add(command);
        }

        root.SetAction(parse =>
        {
            new HelpAction { MaxWidth = HelpWidth }.Invoke(parse);
            return ExitCodes.BadInput;
        });
        return root;
    }

    /// <summary>The subcommands, in the order help lists them.</summary>
    private static IEnumerable<Command> Commands() =>
    [
        Unlearning.Host.Commands.ExperimentCommands.Run(),
        Unlearning.Host.Commands.ExperimentCommands.Train(),
        Unlearning.Host.Commands.ExperimentCommands.Forget(),
        Host.Commands.DataCommand.Build(),
        Host.Commands.TokenizeCommand.Build(),
        InspectCommand.Create(),
        Host.Commands.ReportCommand.Build(Reporting.ParquetRunTables.Read),
    ];

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build().Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction && parse.Action is not PrintVersion)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"{Name}: {e.Message}");
            }

            error.WriteLine($"Run '{Name} --help' for usage.");
            return ExitCodes.BadInput;
        }

        return parse.Invoke(configuration);
    }

    /// <summary>Runs the command in-process and returns its exit code, standard output and error text.</summary>
    public static (int Code, string Output, string Error) Capture(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return ExitCodes.Success;
        }
    }
}

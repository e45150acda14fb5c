namespace Unlearning.Snapshots.Cli;

/// <summary>What a successful in-process <c>unlearn</c> command prints, standard output then error.</summary>
internal static class CliOutput
{
    public static string Of(params string[] args)
    {
        var (code, output, error) = Host.Cli.Capture(args);
        Assert.Equal(0, code);
        return output + error;
    }
}

using Unlearning.Host;
using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Cli;

public sealed class HelpText
{
    private static string Run(params string[] args)
    {
        using var output = new StringWriter();
        var code = Host.Cli.Run(args, output, output);
        Assert.Equal(0, code);
        return output.ToString();
    }

    [Fact]
    public void Root_help() => Snapshot.Verify(Run("--help"));

    [Fact]
    public void Version_is_the_assembly_version() =>
        Assert.StartsWith(typeof(Host.Cli).Assembly.GetName().Version!.ToString(3), Run("--version").Trim(), StringComparison.Ordinal);
}

using Unlearning.Host;
using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Cli;

public sealed class HelpText
{
    [Fact]
    public void Root_help() => Snapshot.Verify(CliOutput.Of("--help"));

    [Fact]
    public void Version_is_the_assembly_version() =>
        Assert.StartsWith(typeof(Host.Cli).Assembly.GetName().Version!.ToString(3), CliOutput.Of("--version").Trim(), StringComparison.Ordinal);
}

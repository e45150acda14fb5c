using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Experiment;

public sealed class ExperimentHelp
{
    private static string Help(string command)
    {
        using var output = new StringWriter();
        Assert.Equal(0, Host.Cli.Run([command, "--help"], output, output));
        return output.ToString();
    }

    [Fact]
    public void Run_help() => Snapshot.Verify(Help("run"));

    [Fact]
    public void Train_help() => Snapshot.Verify(Help("train"));

    [Fact]
    public void Forget_help() => Snapshot.Verify(Help("forget"));
}

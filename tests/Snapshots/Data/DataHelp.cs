using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Data;

public sealed class DataHelp
{
    private static string Run(params string[] args)
    {
        using var output = new StringWriter();
        var code = Host.Cli.Run(args, output, output);
        Assert.Equal(0, code);
        return output.ToString();
    }

    [Fact]
    public void Data_fetch_help() => Snapshot.Verify(Run("data", "fetch", "--help"));

    [Fact]
    public void Tokenize_help() => Snapshot.Verify(Run("tokenize", "--help"));
}

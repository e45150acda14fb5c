using Unlearning.Snapshots.Approval;
using Unlearning.Snapshots.Cli;

namespace Unlearning.Snapshots.Data;

public sealed class DataHelp
{
    [Fact]
    public void Data_fetch_help() => Snapshot.Verify(CliOutput.Of("data", "fetch", "--help"));

    [Fact]
    public void Tokenize_help() => Snapshot.Verify(CliOutput.Of("tokenize", "--help"));
}

using Unlearning.Core.Experiment;
using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Experiment;

public sealed class DefaultConfiguration
{
    /// <summary>The resolved default (no preset, file or override): a changed default is a changed experiment.</summary>
    [Fact]
    public void Resolved_default_configuration_and_its_hash()
    {
        var config = ConfigJson.Resolve(null, null, "none", []).Match(c => c, e => throw new InvalidOperationException(string.Join("; ", e)));
        Snapshot.Verify(ConfigJson.Pretty(config) + "\n\nsha256: " + ConfigJson.Hash(config));
    }
}

using System.Runtime.CompilerServices;
using Unlearning.Core.Experiment;
using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Experiment;

public sealed class ConfigurationDocs
{
    private static string RepositoryFile(string relative, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", relative));

    /// <summary>Every key, type, unit and preset value: a changed field or preset is a changed experiment.</summary>
    [Fact]
    public void Field_table() => Snapshot.Verify(ConfigSchema.MarkdownTable());

    [Fact]
    public void The_configuration_document_holds_the_current_field_table()
    {
        var doc = File.ReadAllText(RepositoryFile("docs/configuration.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(ConfigSchema.MarkdownTable(), doc, StringComparison.Ordinal);
    }
}

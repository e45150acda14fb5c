using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Storage;

public sealed class TablesDocTests
{
    [Theory]
    [InlineData("runs")]
    [InlineData("examples")]
    [InlineData("steps")]
    [InlineData("populations")]
    [InlineData("claims")]
    public void Every_column_is_documented_with_its_type_and_nullability(string table)
    {
        var doc = File.ReadAllText(Path.Combine(DuckDb.RepositoryRoot(), "docs", "tables.md"));
        int start = doc.IndexOf($"## {table}.parquet", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/tables.md has no section for {table}.parquet");
        int end = doc.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        var section = end < 0 ? doc[start..] : doc[start..end];
        var schema = table switch
        {
            "runs" => Tables.RunsSchema,
            "examples" => Tables.ExamplesSchema,
            "steps" => Tables.StepsSchema,
            "claims" => Tables.ClaimsSchema,
            _ => Tables.PopulationsSchema,
        };
        foreach (var c in schema.Columns)
        {
            string type = c.Type switch
            {
                ColumnType.Int32List => "list of int32",
                ColumnType.Timestamp => "timestamp",
                _ => ColumnSpec.TypeName(c.Type),
            };
            Assert.Contains($"| `{c.Name}` | {type} | {(c.Optional ? "optional" : "required")} |", section, StringComparison.Ordinal);
        }

        int documented = section.Split('\n').Count(l => l.StartsWith("| `", StringComparison.Ordinal));
        Assert.Equal(schema.Columns.Count, documented);
    }
}

using Unlearning.Core.Results;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// The tables of SPEC §9 with their file names, and the key-value metadata every table file carries:
/// <c>unlearning.schema_version</c> (bumped when a column changes meaning or type; adding a column
/// does not) and <c>unlearning.config</c> (the run's resolved configuration, JSON).
/// </summary>
public static class Tables
{
    public const int SchemaVersion = 1;

    public const string SchemaVersionKey = "unlearning.schema_version";
    public const string ConfigKey = "unlearning.config";
    public const string TableKey = "unlearning.table";

    public const string Runs = "runs";
    public const string Examples = "examples";
    public const string Steps = "steps";
    public const string Populations = "populations";
    public const string Claims = "claims";

    public static TableSchema RunsSchema => ParquetTable<RunRow>.Schema;

    public static TableSchema ExamplesSchema => ParquetTable<ExampleRow>.Schema;

    public static TableSchema StepsSchema => ParquetTable<StepRow>.Schema;

    public static TableSchema PopulationsSchema => ParquetTable<PopulationRow>.Schema;

    public static TableSchema ClaimsSchema => ParquetTable<ClaimRow>.Schema;

    public static string FileName(string table) => table + ".parquet";

    /// <summary>The metadata of a table file: its name, the schema version and the run's configuration JSON.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Metadata(string table, string configJson) =>
    [
        new(TableKey, table),
        new(SchemaVersionKey, SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new(ConfigKey, configJson),
    ];

    /// <summary>Opens <c>{directory}/{table}.parquet</c> for streaming rows.</summary>
    public static ParquetTableWriter<TRow> Create<TRow>(string directory, string table, string configJson, ParquetWriteOptions? options = null)
        where TRow : class =>
        ParquetTable<TRow>.Create(Path.Combine(directory, FileName(table)), Metadata(table, configJson), options);
}

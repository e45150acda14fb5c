using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Report;
using Unlearning.Core.Results;
using Unlearning.Storage;
using Unlearning.Storage.Parquet;

namespace Unlearning.Host.Reporting;

/// <summary>The four tables of a run folder, read from its Parquet files (src/Storage/Parquet) and nothing else.</summary>
public static class ParquetRunTables
{
    public static Either<InputError, RunTables> Read(string runDirectory)
    {
        foreach (var table in new[] { Tables.Runs, Tables.Examples, Tables.Steps, Tables.Populations })
        {
            var path = Path.Combine(runDirectory, Tables.FileName(table));
            if (!File.Exists(path))
            {
                return new InputError(path, "file", $"the run's {table} table", "no such file");
            }
        }

        try
        {
            return new RunTables(
                ParquetTable<RunRow>.ReadAll(Path.Combine(runDirectory, Tables.FileName(Tables.Runs))),
                ParquetTable<ExampleRow>.ReadAll(Path.Combine(runDirectory, Tables.FileName(Tables.Examples))),
                ParquetTable<StepRow>.ReadAll(Path.Combine(runDirectory, Tables.FileName(Tables.Steps))),
                ParquetTable<PopulationRow>.ReadAll(Path.Combine(runDirectory, Tables.FileName(Tables.Populations))));
        }
        catch (StorageFormatException e)
        {
            return e.ToInputError();
        }
        catch (IOException e)
        {
            return new InputError(runDirectory, "tables", "readable Parquet files", e.Message);
        }
    }
}

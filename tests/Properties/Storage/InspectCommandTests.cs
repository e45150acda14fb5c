using Unlearning.Core.Results;
using Unlearning.Host;
using Unlearning.Storage.Checkpoints;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Storage;

public sealed class InspectCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-inspect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Capture(args);

    [Fact]
    public void Inspecting_a_table_shows_schema_counts_metadata_and_rows()
    {
        var rows = DuckDbInteropTests.StepRows(1, 300);
        using (var w = Tables.Create<StepRow>(_dir, Tables.Steps, "{\"seed\":1}", new ParquetWriteOptions { RowGroupRows = 128 }))
        {
            foreach (var r in rows)
            {
                w.Add(r);
            }

            w.Complete();
        }

        var (code, output, error) = Run("inspect", Path.Combine(_dir, "steps.parquet"), "--rows", "2");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("", error);
        Assert.Contains("rows 300, row groups 3", output, StringComparison.Ordinal);
        Assert.Contains("SHA-256 not checked: no run manifest lists this file", output, StringComparison.Ordinal);
        Assert.Contains($"Schema ({ParquetTable<StepRow>.Schema.Columns.Count} columns)", output, StringComparison.Ordinal);
        Assert.Contains("unlearning.config = \"{\"seed\":1}\"", output, StringComparison.Ordinal);
        Assert.Contains("First 2 rows:", output, StringComparison.Ordinal);
        Assert.Contains($"example_id=\"ex-0\", step=1, bits={rows[1].Bits:R}", output, StringComparison.Ordinal);

        // The step column's min and max over all row groups: 0 and 49; 300 / 4 = 75 null qualities.
        Assert.Matches(@"\n  step +int32 +0  0  49\r?\n", output);
        Assert.Matches(@"\n  quality +double \(optional\) +75  ", output);
    }

    [Fact]
    public void Inspecting_a_checkpoint_checks_it_against_its_config()
    {
        var config = new Unlearning.Core.Model.Gpt2Config(50, 16, 8, 2, 2);
        var folder = Path.Combine(_dir, "model");
        Gpt2Checkpoint.Save(folder, config, CheckpointTests.Weights(config, 1));
        var (code, output, _) = Run("inspect", folder);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("n_layer 2", output, StringComparison.Ordinal);
        Assert.Contains($"parameters by the config: {config.ParameterCount():N0}", output, StringComparison.Ordinal);
        Assert.Contains("h.1.attn.c_attn.weight  F32  [8, 24]", output, StringComparison.Ordinal);

        (code, output, _) = Run("inspect", Path.Combine(folder, "model.safetensors"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("tensors 28", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_exits_2_with_a_message_naming_the_file()
    {
        var missing = Path.Combine(_dir, "nope.parquet");
        var (code, _, error) = Run("inspect", missing);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(missing, error, StringComparison.Ordinal);

        var truncated = Path.Combine(_dir, "t.parquet");
        ParquetTable<PopulationRow>.Write(truncated, [new PopulationRow { Source = "code", ExampleId = "c1", Tokens = [5], BitsBase = 1, BitsRef = 1 }]);
        var bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 3)]);
        (code, _, error) = Run("inspect", truncated);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith(truncated + ": magic", error, StringComparison.Ordinal);

        var text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "hello");
        (code, _, error) = Run("inspect", text);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(text, error, StringComparison.Ordinal);
    }
}

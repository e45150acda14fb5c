using System.CommandLine;
using System.Globalization;
using Unlearning.Storage;
using Unlearning.Storage.Checkpoints;
using Unlearning.Storage.Manifest;
using Unlearning.Storage.Parquet;

namespace Unlearning.Host.Commands;

/// <summary>
/// <c>unlearn inspect FILE</c>: a summary of a Parquet table (schema, rows, row groups, statistics,
/// key-value metadata, the first rows; checked first against the SHA-256 of the run manifest that lists it), a safetensors file (metadata, tensors, parameter count) or
/// a checkpoint folder (config.json, tensors checked against it, tokenizer files).
/// </summary>
public static class InspectCommand
{
    private const int MaxText = 120;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A .parquet file, a .safetensors file or a checkpoint folder" };
        var rows = new Option<int>("--rows") { Description = "How many rows of a Parquet file to show", DefaultValueFactory = _ => 5 };
        var command = new Command("inspect", "Summarize a Parquet table, a safetensors file or a checkpoint folder") { file, rows };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            return Run(parse.GetValue(file)!, Math.Max(0, parse.GetValue(rows)), output, error);
        });
        return command;
    }

    public static int Run(string path, int rows, TextWriter output, TextWriter error)
    {
        // The summary is printed only once the whole file has been read: bad input prints nothing but its error.
        using var summary = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var code = Summarize(path, rows, summary, error);
        if (code == ExitCodes.Success)
        {
            output.Write(summary.ToString());
        }

        return code;
    }

    private static int Summarize(string path, int rows, TextWriter output, TextWriter error)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Checkpoint(path, output);
            }
            else if (!File.Exists(path))
            {
                error.WriteLine($"{path}: no such file or folder");
                return ExitCodes.BadInput;
            }
            else if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                SafeTensorsFile(path, output);
            }
            else if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || LooksLikeParquet(path))
            {
                Parquet(path, rows, output);
            }
            else
            {
                error.WriteLine($"{path}: expected a Parquet file (PAR1), a .safetensors file or a checkpoint folder");
                return ExitCodes.BadInput;
            }

            return ExitCodes.Success;
        }
        catch (StorageFormatException e)
        {
            error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    private static bool LooksLikeParquet(string path)
    {
        using var s = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return s.Read(magic) == 4 && magic.SequenceEqual("PAR1"u8);
    }

    private static void Parquet(string path, int rows, TextWriter o)
    {
        // A damaged file can still parse: check it against its run's manifest before reading it.
        var manifest = Manifests.VerifyFile(path);
        using var file = ParquetFileReader.Open(path);
        o.WriteLine($"Parquet file {path}");
        o.WriteLine($"  rows {file.RowCount.ToString("N0", CultureInfo.InvariantCulture)}, row groups {file.RowGroupCount}, created by {file.CreatedBy ?? "(unknown)"}");
        o.WriteLine(manifest is null
            ? "  SHA-256 not checked: no run manifest lists this file"
            : $"  SHA-256 matches {manifest}");
        o.WriteLine();
        o.WriteLine($"Schema ({file.Schema.Columns.Count} columns): name, type, nulls, min, max");
        int width = file.Schema.Columns.Max(c => c.Name.Length);
        for (int c = 0; c < file.Schema.Columns.Count; c++)
        {
            var spec = file.Schema.Columns[c];
            long? nulls = 0;
            object? min = null, max = null;
            for (int g = 0; g < file.RowGroupCount; g++)
            {
                var s = file.Summary(g, c);
                nulls = nulls is null || s.NullCount is null ? null : nulls + s.NullCount;
                min = Pick(min, s.Min, -1);
                max = Pick(max, s.Max, 1);
            }

            string type = ColumnSpec.TypeName(spec.Type) + (spec.Optional ? " (optional)" : "");
            o.WriteLine($"  {spec.Name.PadRight(width)}  {type,-30} {(nulls is { } n ? n.ToString(CultureInfo.InvariantCulture) : "?"),8}  {Show(min)}  {Show(max)}");
        }

        o.WriteLine();
        o.WriteLine("Row groups: rows, compressed bytes, codecs");
        for (int g = 0; g < file.RowGroupCount; g++)
        {
            var summaries = Enumerable.Range(0, file.Schema.Columns.Count).Select(c => file.Summary(g, c)).ToArray();
            o.WriteLine($"  {g}: {file.RowGroupRows[g].ToString(CultureInfo.InvariantCulture)} rows, {summaries.Sum(s => s.CompressedBytes).ToString(CultureInfo.InvariantCulture)} bytes, {string.Join("/", summaries.Select(s => s.Codec).Distinct())}");
        }

        o.WriteLine();
        o.WriteLine("Key-value metadata:");
        foreach (var kv in file.Metadata)
        {
            o.WriteLine($"  {kv.Key} = {Show(kv.Value)}");
        }

        if (rows > 0 && file.RowCount > 0)
        {
            o.WriteLine();
            o.WriteLine($"First {Math.Min(rows, file.RowCount)} rows:");
            int shown = 0;
            for (int g = 0; g < file.RowGroupCount && shown < rows; g++)
            {
                var columns = file.ReadRowGroup(g);
                for (int r = 0; r < columns[0].Count && shown < rows; r++, shown++)
                {
                    var cells = file.Schema.Columns.Select((spec, c) => $"{spec.Name}={Show(Cell(spec, columns[c].Get(r)))}");
                    o.WriteLine("  " + string.Join(", ", cells));
                }
            }
        }
    }

    private static object? Cell(ColumnSpec spec, object? value) =>
        spec.Type == ColumnType.Timestamp && value is long micros ? Timestamps.FromMicros(micros) : value;

    private static object? Pick(object? current, object? candidate, int sign)
    {
        if (candidate is null)
        {
            return current;
        }

        if (current is null)
        {
            return candidate;
        }

        return current is IComparable a && Math.Sign(a.CompareTo(candidate)) == sign ? current : candidate;
    }

    private static string Show(object? v)
    {
        string s = v switch
        {
            null => "null",
            string t => "\"" + t.Replace("\n", "\\n", StringComparison.Ordinal) + "\"",
            int[] a => "[" + string.Join(", ", a.Take(16)) + (a.Length > 16 ? $", … ({a.Length})" : "") + "]",
            DateTime t => t.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => v.ToString() ?? "",
        };
        return s.Length > MaxText ? s[..MaxText] + "…" : s;
    }

    private static void SafeTensorsFile(string path, TextWriter o)
    {
        var header = SafeTensors.ReadHeader(path);
        o.WriteLine($"safetensors file {path}");
        Tensors(header, o);
    }

    private static void Tensors(SafeTensorsHeader header, TextWriter o)
    {
        o.WriteLine($"  tensors {header.Entries.Count}, parameters {header.Entries.Sum(e => e.ElementCount).ToString("N0", CultureInfo.InvariantCulture)}, data {header.DataLength.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        foreach (var kv in header.Metadata)
        {
            o.WriteLine($"  metadata {kv.Key} = {Show(kv.Value)}");
        }

        int width = header.Entries.Count == 0 ? 0 : header.Entries.Max(e => e.Name.Length);
        foreach (var e in header.Entries)
        {
            o.WriteLine($"  {e.Name.PadRight(width)}  {e.DType,-4} {e.ShapeText}");
        }
    }

    private static void Checkpoint(string directory, TextWriter o)
    {
        var config = Gpt2Checkpoint.ReadConfig(directory);
        o.WriteLine($"checkpoint folder {directory}");
        o.WriteLine($"  config.json: vocab_size {config.VocabSize}, n_positions {config.NPositions}, n_embd {config.NEmbd}, n_layer {config.NLayer}, n_head {config.NHead}, layer_norm_epsilon {config.LayerNormEpsilon.ToString("R", CultureInfo.InvariantCulture)}");
        o.WriteLine($"  parameters by the config: {config.ParameterCount().ToString("N0", CultureInfo.InvariantCulture)}");

        // Loading checks every name and shape; discard the weights a tensor at a time.
        long loaded = 0;
        Gpt2Checkpoint.Load(directory, spec =>
        {
            loaded += spec.ElementCount;
            return new float[spec.ElementCount];
        });
        o.WriteLine($"  model.safetensors: every tensor matches the config ({loaded.ToString("N0", CultureInfo.InvariantCulture)} values)");
        foreach (var f in new[] { Gpt2Checkpoint.VocabFile, Gpt2Checkpoint.MergesFile })
        {
            var p = Path.Combine(directory, f);
            o.WriteLine($"  {f}: {(File.Exists(p) ? new FileInfo(p).Length.ToString("N0", CultureInfo.InvariantCulture) + " bytes" : "missing")}");
        }

        Tensors(SafeTensors.ReadHeader(Path.Combine(directory, Gpt2Checkpoint.WeightsFile)), o);
    }
}

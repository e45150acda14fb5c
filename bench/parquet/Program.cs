using System.Diagnostics;
using System.Globalization;
using Unlearning.Core.Results;
using Unlearning.Storage.Parquet;

namespace Unlearning.Bench.Parquet;

/// <summary>
/// Writes N rows of the steps table (StepRow) through our adapter over Parquet.Net with the default
/// options (Snappy, 128 Ki-row groups) and reads them back into StepRow records.
/// Usage: dotnet run -c Release --project bench/parquet [rows] [repeats]
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var data = Steps(rows);
        var dir = Directory.CreateTempSubdirectory("unlearning-bench-").FullName;
        var path = Path.Combine(dir, "steps.parquet");
        var writes = new List<double>();
        var reads = new List<double>();
        try
        {
            for (int r = 0; r < repeats + 1; r++)
            {
                GC.Collect();
                var sw = Stopwatch.StartNew();
                ParquetTable<StepRow>.Write(path, data, Tables.Metadata(Tables.Steps, "{\"bench\":true}"));
                double w = sw.Elapsed.TotalSeconds;

                GC.Collect();
                sw.Restart();
                var back = ParquetTable<StepRow>.ReadAll(path);
                double rd = sw.Elapsed.TotalSeconds;
                if (back.Count != rows || back[rows / 2] != data[rows / 2] || back[^1] != data[^1])
                {
                    Console.Error.WriteLine("read-back mismatch");
                    return 1;
                }

                // The first round warms the JIT (tiered compilation, PGO); it is reported but not counted.
                Console.WriteLine($"round {r}{(r == 0 ? " (warm-up)" : "")}: write {w:F3} s, read {rd:F3} s");
                if (r > 0)
                {
                    writes.Add(w);
                    reads.Add(rd);
                }
            }

            long size = new FileInfo(path).Length;
            using var file = ParquetFileReader.Open(path);
            Console.WriteLine($"rows {rows:N0}, columns {file.Schema.Columns.Count}, row groups {file.RowGroupCount}, file {size / 1e6:F1} MB, cores {Environment.ProcessorCount}");
            Console.WriteLine($"process CPU time over all rounds: {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} s");
            Console.WriteLine($"write: median {Median(writes):F3} s, best {writes.Min():F3} s (target < 2 s)");
            Console.WriteLine($"read:  median {Median(reads):F3} s, best {reads.Min():F3} s (target < 1 s)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Rows shaped like an experiment's: 1,000 examples × 1,000 evaluated steps, three OOD sources partly null.</summary>
    private static StepRow[] Steps(int n)
    {
        var rng = new Random(42);
        var rows = new StepRow[n];
        for (int i = 0; i < n; i++)
        {
            int step = i % 1000;
            bool memorized = (i / 1000) % 3 != 0;
            rows[i] = new StepRow
            {
                ExampleId = "brown-" + (i / 1000).ToString("D5", CultureInfo.InvariantCulture),
                Step = step,
                Bits = 150 + (rng.NextDouble() * 100),
                Exposure = rng.NextDouble() * 8,
                ExposureExt = rng.NextDouble() * 12,
                Quality = memorized ? rng.NextDouble() : null,
                UtilityCost = rng.NextDouble() * 0.5,
                DeltaLoss = rng.NextDouble() * 0.2,
                LossId = 3 + rng.NextDouble(),
                PerplexityId = 20 + (rng.NextDouble() * 10),
                AccuracyId = rng.NextDouble(),
                LossCode = 4 + rng.NextDouble(),
                PerplexityCode = 50 + rng.NextDouble(),
                AccuracyCode = rng.NextDouble(),
                LossSpam = i % 2 == 0 ? 5 + rng.NextDouble() : null,
                PerplexitySpam = i % 2 == 0 ? 100 + rng.NextDouble() : null,
                AccuracySpam = i % 2 == 0 ? rng.NextDouble() : null,
                LossCanary = 2 + rng.NextDouble(),
                PerplexityCanary = 8 + rng.NextDouble(),
                AccuracyCanary = rng.NextDouble(),
                GradNorm = step == 0 ? null : rng.NextDouble() * 2,
                Drift = step * 0.01,
            };
        }

        return rows;
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Unlearning.Bench.Parquet;

/// <summary>Throughput of the pieces a write is made of, for finding where time goes.</summary>
internal static class Probe
{
    public static void Run()
    {
        var rng = new Random(1);
        var doubles = new double[1 << 20];
        for (int i = 0; i < doubles.Length; i++)
        {
            doubles[i] = rng.NextDouble();
        }

        var bytes = MemoryMarshal.AsBytes(doubles.AsSpan()).ToArray();
        for (int round = 0; round < 3; round++)
        {
            var sw = Stopwatch.StartNew();
            var c = IronSnappy.Snappy.Encode(bytes);
            double enc = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var d = IronSnappy.Snappy.Decode(c);
            double dec = sw.Elapsed.TotalSeconds;
            sw.Restart();
            uint crc = Unlearning.Storage.Parquet.Crc32Probe.Compute(bytes);
            double crcT = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"8 MB random doubles: snappy encode {bytes.Length / enc / 1e6:F0} MB/s (ratio {(double)c.Length / bytes.Length:F2}), decode {bytes.Length / dec / 1e6:F0} MB/s, crc {bytes.Length / crcT / 1e6:F0} MB/s {crc:x} {d.Length}");
        }
    }
}

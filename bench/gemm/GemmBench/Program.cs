using System.Diagnostics;
using System.Globalization;
using Unlearning.Tensors.LinearAlgebra;

// Times Gemm.Multiply (MultiplyBatched when batch > 1) on the shapes given as arguments, each
// "m,n,k[,tA,tB[,batch]]" (tA/tB are 0 or 1), and prints one line per shape:
// "ours m n k tA tB batch threads median_ms best_ms gflops_median".
// Options: --threads N (default 2), --reps N (default 10), --check (compare with the reference first),
// --cpu (time the calling thread's CPU time instead of wall time: for --threads 1 on a busy machine),
// --blk mr,nr,kc,mc,nc (try other block sizes; mr, nr must match a kernel), --pack (time the packing routines).
var threads = 2;
var reps = 10;
var check = false;
var cpu = false;
var shapes = new List<(int M, int N, int K, bool TA, bool TB, int Batch)>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--check": check = true; break;
        case "--cpu": cpu = true; break;
        case "--pack": break;
        case "--blk":
            var bl = args[++i].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            GemmIsas.Override = new GemmBlocking(bl[0], bl[1], bl[2], bl[3], bl[4]);
            break;
        default:
            var f = args[i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            shapes.Add((f[0], f[1], f[2], f.Length > 3 && f[3] != 0, f.Length > 4 && f[4] != 0, f.Length > 5 ? f[5] : 1));
            break;
    }
}

var rng = new Random(1);
if (args.Length > 0 && args[0] == "--pack")
{
    PackBench.Run();
    return;
}

foreach (var (m, n, k, ta, tb, batch) in shapes)
{
    var a = new float[m * k * batch];
    var b = new float[k * n * batch];
    var c = new float[m * n * batch];
    for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
    for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() - 0.5);
    int lda = ta ? m : k;
    int ldb = tb ? k : n;
    if (check)
    {
        var r = new float[m * n];
        Gemm.ReferenceMultiply(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, r, 0, n);
        Gemm.Multiply(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n, threads);
        double err = 0;
        for (int i = 0; i < r.Length; i++) err = Math.Max(err, Math.Abs(r[i] - c[i]));
        Console.Error.WriteLine($"check {m}x{n}x{k} tA={ta} tB={tb}: max abs error {err:g3}");
    }

    void Call()
    {
        if (batch == 1)
        {
            Gemm.Multiply(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n, threads);
        }
        else
        {
            Gemm.MultiplyBatched(ta, tb, m, n, k, 1f, a, 0, m * k, lda, b, 0, k * n, ldb, 0f, c, 0, m * n, n, batch, threads);
        }
    }

    for (int w = 0; w < 3; w++)
    {
        Call();
    }

    var times = new double[reps];
    for (int r = 0; r < reps; r++)
    {
        var sw = Stopwatch.StartNew();
        double cpu0 = cpu ? ThreadClock.Milliseconds() : 0;
        Call();
        times[r] = cpu ? ThreadClock.Milliseconds() - cpu0 : sw.Elapsed.TotalMilliseconds;
    }

    Array.Sort(times);
    double median = times[reps / 2];
    double gflops = 2.0 * m * n * k * batch / (median * 1e6);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ours {m} {n} {k} {(ta ? 1 : 0)} {(tb ? 1 : 0)} {batch} {threads} {median:F3} {times[0]:F3} {gflops:F1}"));
}

/// <summary>CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)): with --cpu and
/// --threads 1 it times the kernel without the time other processes hold the core.</summary>
internal static partial class ThreadClock
{
    public static double Milliseconds()
    {
        _ = ClockGetTime(3, out var ts);
        return (ts.Seconds * 1e3) + (ts.Nanoseconds * 1e-6);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

internal static unsafe class PackBench
{
    public static void Run()
    {
        var src = GC.AllocateArray<float>(1024 * 1024, pinned: true);
        var dst = GC.AllocateArray<float>(1024 * 1024, pinned: true);
        fixed (float* s = src)
        fixed (float* d = dst)
        {
            for (int rep = 0; rep < 3; rep++)
            {
                double t0 = ThreadClock.Milliseconds();
                for (int it = 0; it < 200; it++)
                {
                    Buffer.MemoryCopy(s + (it % 4) * 256 * 1024, d, 1 << 20, 1 << 19);
                }
                Console.WriteLine($"memcpy 128K floats from 4 MB: {(ThreadClock.Milliseconds() - t0) / 200 * 1e6 / (1 << 17):F3} ns/float");
                t0 = ThreadClock.Milliseconds();
                for (int it = 0; it < 200; it++)
                {
                    Buffer.MemoryCopy(s, d, 1 << 20, 1 << 19);
                }
                Console.WriteLine($"memcpy 128K floats, same source: {(ThreadClock.Milliseconds() - t0) / 200 * 1e6 / (1 << 17):F3} ns/float");
            }
            foreach (var (name, tr, w, rows, cols) in new[] { ("B rows kc=384 nc=384", false, 64, 384, 384), ("A rows (transA) kc=384 mc=240", true, 6, 384, 240) })
            {
                for (int rep = 0; rep < 3; rep++)
                {
                    double t0 = ThreadClock.Milliseconds();
                    int iters = 200;
                    for (int it = 0; it < iters; it++)
                    {
                        if (w == 64) GemmPacking.PackB(false, s + (it % 2) * 384 * 1024, 1024, rows, cols, 64, d);
                        else GemmPacking.PackA(true, s + (it % 2) * 384 * 1024, 1024, cols, rows, 6, d);
                    }
                    double ms = (ThreadClock.Milliseconds() - t0) / iters;
                    Console.WriteLine($"{name}: {ms * 1e6 / (rows * cols):F3} ns/float");
                }
            }
            foreach (var (name, tr, w, rows, cols) in new[] { ("B transposed kc=384 nc=384", true, 64, 384, 384), ("A plain kc=384 mc=240", false, 6, 384, 240) })
            {
                double t0 = ThreadClock.Milliseconds();
                int iters = 200;
                for (int it = 0; it < iters; it++)
                {
                    if (w == 64) GemmPacking.PackB(true, s + (it % 2) * 384, 1024, rows, cols, 64, d);
                    else GemmPacking.PackA(false, s + (it % 2) * 384, 1024, cols, rows, 6, d);
                }
                double ms = (ThreadClock.Milliseconds() - t0) / iters;
                Console.WriteLine($"{name}: {ms * 1e6 / (rows * cols):F3} ns/float");
            }
        }
    }
}

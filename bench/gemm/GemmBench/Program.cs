using System.Diagnostics;
using System.Globalization;
using Unlearning.Tensors.LinearAlgebra;

// Times Gemm.Multiply on the shapes given as arguments, each "m,n,k[,tA,tB]" (tA/tB are 0 or 1),
// and prints one line per shape: "ours m n k tA tB threads median_ms best_ms gflops_median".
// Options: --threads N (default 2), --reps N (default 10), --check (compare with the reference first).
var threads = 2;
var reps = 10;
var check = false;
var shapes = new List<(int M, int N, int K, bool TA, bool TB)>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--check": check = true; break;
        default:
            var f = args[i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            shapes.Add((f[0], f[1], f[2], f.Length > 3 && f[3] != 0, f.Length > 4 && f[4] != 0));
            break;
    }
}

var rng = new Random(1);
foreach (var (m, n, k, ta, tb) in shapes)
{
    var a = new float[m * k];
    var b = new float[k * n];
    var c = new float[m * n];
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

    for (int w = 0; w < 3; w++)
    {
        Gemm.Multiply(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n, threads);
    }

    var times = new double[reps];
    for (int r = 0; r < reps; r++)
    {
        var sw = Stopwatch.StartNew();
        Gemm.Multiply(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n, threads);
        times[r] = sw.Elapsed.TotalMilliseconds;
    }

    Array.Sort(times);
    double median = times[reps / 2];
    double gflops = 2.0 * m * n * k / (median * 1e6);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ours {m} {n} {k} {(ta ? 1 : 0)} {(tb ? 1 : 0)} {threads} {median:F3} {times[0]:F3} {gflops:F1}"));
}

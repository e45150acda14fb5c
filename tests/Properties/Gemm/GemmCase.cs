using FsCheck;
using FsCheck.Fluent;
using Unlearning.Tensors.LinearAlgebra;

namespace Unlearning.Properties.Gemm;

/// <summary>
/// One GEMM call: shape, transposes, offsets, padding of the leading dimensions (ld = cols + pad),
/// alpha, beta, and a seed for the data. Buffers are filled from the seed, so a shrunk case prints
/// small and replays exactly.
/// </summary>
public sealed record GemmCase(
    bool TransA, bool TransB, int M, int N, int K,
    int OffA, int OffB, int OffC, int PadA, int PadB, int PadC,
    float Alpha, float Beta, int Seed)
{
    /// <summary>Sentinel written outside C's window (and into C itself when beta is 0) to catch stray reads and writes.</summary>
    public const float Guard = float.NaN;

    public int Lda => (TransA ? M : K) + PadA;

    public int Ldb => (TransB ? K : N) + PadB;

    public int Ldc => N + PadC;

    public int RowsA => TransA ? K : M;

    public int RowsB => TransB ? N : K;

    public float[] NewA() => Fill(OffA + (RowsA * Lda), Seed);

    public float[] NewB() => Fill(OffB + (RowsB * Ldb), Seed + 1);

    /// <summary>C inside its window: random values, or NaN when beta is 0 (beta = 0 must ignore C). Outside: NaN.</summary>
    public float[] NewC()
    {
        var c = new float[OffC + (M * Ldc) + 3];
        Array.Fill(c, Guard);
        var rng = new Random(Seed + 2);
        if (Beta != 0)
        {
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    c[OffC + (i * Ldc) + j] = (float)((rng.NextDouble() * 2) - 1);
                }
            }
        }

        return c;
    }

    public bool InWindow(int index)
    {
        int rel = index - OffC;
        return rel >= 0 && rel < M * Ldc && rel % Ldc < N;
    }

    internal float[] Run(GemmIsa isa, int threads)
    {
        var c = NewC();
        Tensors.LinearAlgebra.Gemm.Multiply(isa, TransA, TransB, M, N, K, Alpha, NewA(), OffA, Lda, NewB(), OffB, Ldb, Beta, c, OffC, Ldc, threads);
        return c;
    }

    public float[] Reference()
    {
        var c = NewC();
        Tensors.LinearAlgebra.Gemm.ReferenceMultiply(TransA, TransB, M, N, K, Alpha, NewA(), OffA, Lda, NewB(), OffB, Ldb, Beta, c, OffC, Ldc);
        return c;
    }

    /// <summary>
    /// The worst-case forward error bound of a float sum of k products accumulated with fused
    /// multiply-adds in blocks of KC = 384, then scaled and added to beta·C:
    /// |C − exact| ≤ (k + 8)·u·(|alpha|·Σ_p |a_ip|·|b_pj| + |beta|·|c_ij|), u = 2⁻²⁴
    /// (k − 1 roundings in the sums, one per block when it is added into C, one for beta·C, one for
    /// rounding the double reference; k + 8 covers k ≤ 7·384). Typical errors are about √k·u, far below.
    /// Returned per element of C, computed with the reference on |A|, |B|, |C|.
    /// </summary>
    public float[] Bound()
    {
        var a = NewA().Select(Math.Abs).ToArray();
        var b = NewB().Select(Math.Abs).ToArray();
        var c = NewC().Select(Math.Abs).ToArray();
        Tensors.LinearAlgebra.Gemm.ReferenceMultiply(TransA, TransB, M, N, K, Math.Abs(Alpha), a, OffA, Lda, b, OffB, Ldb, Math.Abs(Beta), c, OffC, Ldc);
        double scale = (K + 8) * Math.ScaleB(1.0, -24);
        return [.. c.Select(x => (float)(x * scale))];
    }

    /// <summary>Empty when <paramref name="got"/> is within the bound of the reference and untouched outside the window; else what is wrong.</summary>
    public string Compare(float[] got)
    {
        var want = Reference();
        var bound = Bound();
        for (int i = 0; i < got.Length; i++)
        {
            if (!InWindow(i))
            {
                if (!float.IsNaN(got[i]))
                {
                    return $"wrote {got[i]} outside C at index {i}";
                }

                continue;
            }

            if (!(Math.Abs(got[i] - want[i]) <= bound[i]))
            {
                int rel = i - OffC;
                return $"C[{rel / Ldc}, {rel % Ldc}] = {got[i]}, reference {want[i]}, allowed error {bound[i]:g3}";
            }
        }

        return "";
    }

    private static float[] Fill(int length, int seed)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }
}

/// <summary>
/// The GEMM laws' values: shapes at the edges of every register tile and cache block, transposes,
/// offsets, padded leading dimensions, α and β (<see cref="Cases"/>), batched calls, packing
/// blocks, and every ISA this machine runs. A <see cref="GemmCase"/> parameter is a case of up to 70 × 70
/// with k up to 800; laws over larger products say so with <c>Prop.ForAll(Cases(…))</c>.
/// Registered with <c>[Properties(Arbitrary = new[] { typeof(GemmArbitraries) })]</c>.
/// </summary>
public static class GemmArbitraries
{
    public static Arbitrary<GemmCase> Small() => Cases(70, 800).ToArbitrary();

    public static Arbitrary<GemmBatchedLaws.BatchCase> Batches() =>
        (from shape in Cases(80, 400)
         from batch in Gen.Frequency((1, Gen.Choose(0, 3)), (3, Gen.Choose(4, 12)))
         from gapA in Gen.Choose(0, 3)
         from gapB in Gen.Choose(0, 3)
         from gapC in Gen.Choose(0, 3)
         select new GemmBatchedLaws.BatchCase(shape, batch, gapA, gapB, gapC))
        .ToArbitrary();

    public static Arbitrary<GemmPackingLaws.PackBlock> Blocks() =>
        (from trans in Gen.Elements(false, true)
         from count in Gen.Choose(1, 40)
         from depth in Gen.OneOf(Gen.Choose(1, 70), Gen.Choose(1, 9).Select(d => d * 8))
         from width in Gen.Elements(2, 4, 6, 8, 16, 64)
         from seed in Gen.Choose(0, 1_000_000)
         select new GemmPackingLaws.PackBlock(trans, count, depth, width, seed))
        .ToArbitrary();

    /// <summary>Sizes at the edges of every register tile (MR 4/6, NR 16/64) and primes.</summary>
    private static readonly Gen<int> EdgeSizes = Gen.Elements(1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 97);

    public static Gen<int> Dim(int max) =>
        Gen.Frequency((2, EdgeSizes.Where(d => d <= max)), (3, Gen.Choose(1, max)));

    /// <summary>k: 0, small, either side of the KC = 384 block boundary (and of two blocks), and anything up to max.</summary>
    public static Gen<int> Depth(int max)
    {
        int[] edges = [.. new[] { 383, 384, 385, 500, 767, 769 }.Where(d => d <= max)];
        var small = Dim(Math.Min(max, 97));
        return edges.Length == 0
            ? Gen.Frequency((1, Gen.Constant(0)), (3, small), (2, Gen.Choose(1, max)))
            : Gen.Frequency((1, Gen.Constant(0)), (3, small), (2, Gen.Elements(edges)), (2, Gen.Choose(1, max)));
    }

    public static Gen<GemmCase> Cases(int maxMn, int maxK) =>
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from m in Dim(maxMn)
        from n in Dim(maxMn)
        from k in Depth(maxK)
        from offA in Gen.Choose(0, 5)
        from offB in Gen.Choose(0, 5)
        from offC in Gen.Choose(0, 5)
        from padA in Pads
        from padB in Pads
        from padC in Pads
        from alpha in Gen.Elements(1f, -1.5f, 0.25f)
        from beta in Gen.Elements(0f, 0f, 1f, -0.5f, 2f)
        from seed in Gen.Choose(0, 1_000_000)
        select new GemmCase(ta, tb, m, n, k, offA, offB, offC, padA, padB, padC, alpha, beta, seed);

    private static Gen<int> Pads => Gen.Elements(0, 0, 1, 3, 17);

    /// <summary>Every ISA this machine runs (internal to the engine, so drawn with Prop.ForAll rather than registered).</summary>
    internal static Gen<GemmIsa> Isas => Gen.Elements(GemmIsas.Supported.ToArray());

    public static Gen<int> Threads => Gen.Choose(1, 4);
}

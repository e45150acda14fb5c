using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Tensors.LinearAlgebra;
using G = Unlearning.Tensors.LinearAlgebra.Gemm;

namespace Unlearning.Properties.Gemm;

[Properties(Arbitrary = new[] { typeof(GemmArbitraries) })]
public sealed class GemmBatchedLaws
{
    /// <summary>A batched call: one <see cref="GemmCase"/> shape repeated, each product in its own slab of A, B and C.</summary>
    public sealed record BatchCase(GemmCase Shape, int Batch, int GapA, int GapB, int GapC)
    {
        public long StrideA => (Shape.RowsA * Shape.Lda) + GapA;

        public long StrideB => (Shape.RowsB * Shape.Ldb) + GapB;

        public long StrideC => (Shape.M * Shape.Ldc) + GapC;

        public float[] Fill(long length, int seed)
        {
            var rng = new Random(seed);
            var x = new float[length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            return x;
        }

        public float[] A => Fill(Shape.OffA + (Batch * StrideA), Shape.Seed);

        public float[] B => Fill(Shape.OffB + (Batch * StrideB), Shape.Seed + 1);

        public float[] C => Fill(Shape.OffC + (Batch * StrideC), Shape.Seed + 2);
    }

    [Property(MaxTest = 120)]
    public Property Each_product_of_a_batch_is_the_single_product_bit_for_bit_and_matches_the_reference(BatchCase bc) =>
        Prop.ForAll(GemmArbitraries.Isas.ToArbitrary(), GemmArbitraries.Threads.ToArbitrary(), (isa, threads) =>
        {
            var s = bc.Shape;
            float[] a = bc.A, b = bc.B;
            var batched = bc.C;
            var single = bc.C;
            var reference = bc.C;
            G.MultiplyBatched(isa, s.TransA, s.TransB, s.M, s.N, s.K, s.Alpha, a, s.OffA, bc.StrideA, s.Lda, b, s.OffB, bc.StrideB, s.Ldb, s.Beta, batched, s.OffC, bc.StrideC, s.Ldc, bc.Batch, threads);
            for (int i = 0; i < bc.Batch; i++)
            {
                G.Multiply(isa, s.TransA, s.TransB, s.M, s.N, s.K, s.Alpha, a, s.OffA + (int)(i * bc.StrideA), s.Lda, b, s.OffB + (int)(i * bc.StrideB), s.Ldb, s.Beta, single, s.OffC + (int)(i * bc.StrideC), s.Ldc, 1);
                G.ReferenceMultiply(s.TransA, s.TransB, s.M, s.N, s.K, s.Alpha, a, s.OffA + (int)(i * bc.StrideA), s.Lda, b, s.OffB + (int)(i * bc.StrideB), s.Ldb, s.Beta, reference, s.OffC + (int)(i * bc.StrideC), s.Ldc);
            }

            Assert.True(batched.AsSpan().SequenceEqual(single), "batched differs from one call per product");
            double tolerance = (s.K + 8) * Math.ScaleB(1.0, -24) * ((Math.Abs(s.Alpha) * s.K) + Math.Abs(s.Beta));
            for (int i = 0; i < batched.Length; i++)
            {
                Assert.True(Math.Abs(batched[i] - reference[i]) <= tolerance, $"element {i}: {batched[i]} vs reference {reference[i]} (allowed {tolerance:g3})");
            }

            return true;
        });

    [Property(MaxTest = 8)]
    public Property Attention_shapes_batch_over_heads() =>
        // B·H = 8 heads of T = 40, hs = 16: scores S = Q·Kᵀ (transB) and output O = P·V, as attention calls them.
        Prop.ForAll(GemmArbitraries.Isas.ToArbitrary(), GemmArbitraries.Threads.ToArbitrary(), (isa, threads) =>
        {
            const int Heads = 8, T = 40, Hs = 16;
            var rng = new Random(7);
            float[] q = [.. Enumerable.Range(0, Heads * T * Hs).Select(_ => (float)rng.NextDouble() - 0.5f)];
            float[] k = [.. Enumerable.Range(0, Heads * T * Hs).Select(_ => (float)rng.NextDouble() - 0.5f)];
            var s = new float[Heads * T * T];
            G.MultiplyBatched(isa, false, true, T, T, Hs, 0.25f, q, 0, T * Hs, Hs, k, 0, T * Hs, Hs, 0, s, 0, T * T, T, Heads, threads);
            var o = new float[Heads * T * Hs];
            G.MultiplyBatched(isa, false, false, T, Hs, T, 1, s, 0, T * T, T, q, 0, T * Hs, Hs, 0, o, 0, T * Hs, Hs, Heads, threads);
            var sRef = new float[s.Length];
            var oRef = new float[o.Length];
            for (int h = 0; h < Heads; h++)
            {
                G.ReferenceMultiply(false, true, T, T, Hs, 0.25f, q, h * T * Hs, Hs, k, h * T * Hs, Hs, 0, sRef, h * T * T, T);
                G.ReferenceMultiply(false, false, T, Hs, T, 1, s, h * T * T, T, q, h * T * Hs, Hs, 0, oRef, h * T * Hs, Hs);
            }

            // Bound (k + 8)·u·Σ|terms| with |q|, |k| ≤ 0.5: Σ|0.25·q·k| ≤ 16·0.0625 = 1 for S,
            // and Σ|s·q| ≤ 40·1·0.5 = 20 for O (|s| ≤ 1).
            double u = Math.ScaleB(1.0, -24);
            double sTol = (Hs + 8) * u * 1, oTol = (T + 8) * u * 20;
            return Enumerable.Range(0, s.Length).All(i => Math.Abs(s[i] - sRef[i]) <= sTol)
                && Enumerable.Range(0, o.Length).All(i => Math.Abs(o[i] - oRef[i]) <= oTol);
        });
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Tensors.LinearAlgebra;
using G = Unlearning.Tensors.LinearAlgebra.Gemm;

namespace Unlearning.Properties.Gemm;

[Properties(Arbitrary = new[] { typeof(GemmArbitraries) })]
public sealed class GemmLaws
{
    [Property(MaxTest = 300)]
    public Property Every_path_matches_the_reference_within_the_k_scaled_bound(GemmCase c) =>
        Prop.ForAll(GemmArbitraries.Isas.ToArbitrary(), GemmArbitraries.Threads.ToArbitrary(), (isa, threads) =>
        {
            var error = c.Compare(c.Run(isa, threads));
            Assert.True(error == "", $"{isa}, {threads} threads: {error}");
            return true;
        });

    [Property(MaxTest = 25)]
    public Property Large_products_split_over_threads_match_the_reference() =>
        // Big enough (m·n·k ≥ 2^18) that the call really splits over M or N between threads.
        Prop.ForAll(GemmArbitraries.Cases(200, 800).Where(c => (long)c.M * c.N * c.K >= GemmDriver.ParallelThreshold * 2).ToArbitrary(), GemmArbitraries.Isas.ToArbitrary(), GemmArbitraries.Threads.ToArbitrary(), (c, isa, threads) =>
        {
            var error = c.Compare(c.Run(isa, threads));
            Assert.True(error == "", $"{isa}, {threads} threads: {error}");
            return true;
        });

    [Property(MaxTest = 30)]
    public Property The_result_is_bit_identical_for_every_thread_count_and_on_a_repeated_call() =>
        Prop.ForAll(GemmArbitraries.Cases(200, 800).ToArbitrary(), GemmArbitraries.Isas.ToArbitrary(), (c, isa) =>
        {
            var once = c.Run(isa, 1);
            return once.AsSpan().SequenceEqual(c.Run(isa, 1))
                && Enumerable.Range(2, 3).All(t => once.AsSpan().SequenceEqual(c.Run(isa, t)));
        });

    [Fact]
    public void Products_whose_shared_operand_packs_in_several_pieces_give_the_single_thread_bits()
    {
        // The parallel path packs the operand all parts share (A when split along N, B along M) in
        // pieces of one KC block and up to MC rows / NC columns, on every thread at once: here
        // several pieces per block, and a last block of 8 (k = 392 = 384 + 8).
        foreach (var c in new[]
        {
            new GemmCase(false, false, 1601, 1700, 392, 1, 2, 3, 0, 1, 0, 1f, 0.5f, 11),
            new GemmCase(true, true, 1601, 1700, 392, 0, 0, 0, 3, 0, 1, -1.5f, 0f, 12),
            new GemmCase(false, true, 900, 800, 392, 0, 1, 0, 0, 0, 0, 1f, 0f, 13),
            new GemmCase(true, false, 900, 800, 392, 2, 0, 1, 1, 0, 0, 0.25f, 1f, 14),
        })
        {
            foreach (var isa in GemmIsas.Supported)
            {
                var once = c.Run(isa, 1);
                for (int threads = 2; threads <= 4; threads++)
                {
                    Assert.True(once.AsSpan().SequenceEqual(c.Run(isa, threads)), $"{c}, {isa}, {threads} threads");
                }
            }
        }
    }

    [Property(MaxTest = 10)]
    public Property Concurrent_callers_sharing_the_worker_pool_get_their_own_bits() =>
        // Four threads call at once with threads = 3: one gets the pool, the others run their parts
        // on their own; each result must be the single-threaded one.
        Prop.ForAll(GemmArbitraries.Cases(160, 500).Where(c => (long)c.M * c.N * c.K >= GemmDriver.ParallelThreshold * 2).ToArbitrary(), c =>
        {
            var expected = c.Run(GemmIsas.Best, 1);
            var results = new float[4][];
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = c.Run(GemmIsas.Best, 3));
            return results.All(r => r.AsSpan().SequenceEqual(expected));
        });

    [Property(MaxTest = 60)]
    public Property Every_path_gives_the_same_bits() =>
        // Each path does one fused multiply-add per k in k order and the same KC blocking, so the
        // ISA changes speed, not bits.
        Prop.ForAll(GemmArbitraries.Cases(90, 800).ToArbitrary(), c =>
        {
            var first = c.Run(GemmIsas.Supported[0], 2);
            return GemmIsas.Supported.All(isa => first.AsSpan().SequenceEqual(c.Run(isa, 2)));
        });

    [Property(MaxTest = 50)]
    public Property The_span_overload_gives_the_array_overload_bits() =>
        Prop.ForAll(GemmArbitraries.Cases(70, 400).ToArbitrary(), GemmArbitraries.Threads.ToArbitrary(), (c, threads) =>
        {
            var viaArrays = c.NewC();
            G.Multiply(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, c.NewA(), c.OffA, c.Lda, c.NewB(), c.OffB, c.Ldb, c.Beta, viaArrays, c.OffC, c.Ldc, threads);
            var viaSpans = c.NewC();
            G.Multiply(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, c.NewA().AsSpan(c.OffA), c.Lda, c.NewB().AsSpan(c.OffB), c.Ldb, c.Beta, viaSpans.AsSpan(c.OffC), c.Ldc, threads);
            return viaArrays.AsSpan().SequenceEqual(viaSpans);
        });

    [Fact]
    public void A_warm_call_allocates_nothing_on_the_calling_thread()
    {
        // Small (one thread), split (workers), thin (transposed C) and batched calls.
        var a = new float[300 * 300];
        var b = new float[300 * 300];
        var c = new float[300 * 300];
        void Calls(int threads)
        {
            G.Multiply(false, false, 20, 30, 40, 1, a, 0, 40, b, 0, 30, 0, c, 0, 30, threads);
            G.Multiply(true, true, 300, 300, 300, 1, a, 0, 300, b, 0, 300, 0.5f, c, 0, 300, threads);
            G.Multiply(false, false, 300, 5, 300, 1, a, 0, 300, b, 0, 5, 0, c, 0, 5, threads);
            G.MultiplyBatched(false, true, 30, 30, 30, 1, a, 0, 900, 30, b, 0, 900, 30, 0, c, 0, 900, 30, 8, threads);
        }

        // Warm with one thread too: if another test holds the pool, this thread runs every part
        // itself, and its packing buffers must already fit the whole product.
        Calls(1);
        Calls(2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Calls(2);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_arguments_are_refused_before_any_work()
    {
        var a = new float[12];
        var b = new float[12];
        var c = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => G.Multiply(false, false, -1, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => G.Multiply(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0, 3, threads: 0));
        var ld = Assert.Throws<ArgumentException>(() => G.Multiply(false, false, 3, 3, 4, 1, a, 0, 3, b, 0, 3, 0, c, 0, 3));
        Assert.Contains("leading dimension 3 is less than its 4 columns", ld.Message, StringComparison.Ordinal);
        var small = Assert.Throws<ArgumentException>(() => G.Multiply(false, false, 3, 3, 4, 1, a, 1, 4, b, 0, 3, 0, c, 0, 3));
        Assert.Contains("needs 13 elements, the buffer has 12", small.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => G.Multiply(false, true, 3, 3, 4, 1, a.AsSpan(), 4, b.AsSpan(), 4, 0, c.AsSpan(0, 8), 3));
        var overlap = Assert.Throws<ArgumentException>(() =>
            G.MultiplyBatched(false, false, 2, 2, 2, 1, a, 0, 4, 2, b, 0, 4, 2, 0, c, 0, 3, 2, 3));
        Assert.Contains("outputs would overlap", overlap.Message, StringComparison.Ordinal);
        var last = Assert.Throws<ArgumentException>(() =>
            G.MultiplyBatched(false, false, 2, 2, 2, 1, new float[16], 0, 4, 2, new float[16], 0, 4, 2, 0, c, 0, 4, 2, 4));
        Assert.Contains("C[3]", last.Message, StringComparison.Ordinal);
    }
}

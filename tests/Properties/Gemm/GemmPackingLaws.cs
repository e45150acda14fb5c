using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Tensors.LinearAlgebra;

namespace Unlearning.Properties.Gemm;

/// <summary>
/// The packing routines write exactly their panels: the parallel GEMM packs neighbouring panels of
/// one shared buffer on different threads at once, so a store past a panel's end would race with
/// the thread packing the next one.
/// </summary>
[Properties(Arbitrary = new[] { typeof(GemmArbitraries) })]
public sealed class GemmPackingLaws
{
    /// <summary>A Count × Depth block packed into panels of Width, op(X) transposed or not, values from the seed.</summary>
    public sealed record PackBlock(bool Trans, int Count, int Depth, int Width, int Seed);

    [Property]
    public bool Packing_A_writes_its_panels_and_nothing_past_them(PackBlock b) =>
        Packs(b, isA: true);

    [Property]
    public bool Packing_B_writes_its_panels_and_nothing_past_them(PackBlock b) =>
        Packs(b, isA: false);

    /// <summary>
    /// Packs a Count × Depth block (A: Count rows of op(A); B: Count columns of op(B)) into panels of
    /// Width, with NaN guards after the last panel; each panel element must be op(X)'s value or the
    /// zero padding, and every guard must survive.
    /// </summary>
    private static unsafe bool Packs(PackBlock b, bool isA)
    {
        var (trans, count, depth, width, seed) = b;
        var rng = new Random(seed);

        // Stored as rows × cols with a padded leading dimension; op(X)(i, p) for A, op(X)(p, j) for B.
        bool countAlongRows = isA != trans;
        int rows = countAlongRows ? count : depth;
        int cols = countAlongRows ? depth : count;
        int ld = cols + 3;
        var source = new float[(rows * ld) + 8];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (float)rng.NextDouble();
        }

        int panels = (count + width - 1) / width;
        int packed = panels * depth * width;
        var dst = new float[packed + 32];
        Array.Fill(dst, float.NaN);
        fixed (float* s = source)
        fixed (float* d = dst)
        {
            if (isA)
            {
                GemmPacking.PackA(trans, s, ld, count, depth, width, d);
            }
            else
            {
                GemmPacking.PackB(trans, s, ld, depth, count, width, d);
            }
        }

        for (int i = 0; i < count; i++)
        {
            for (int p = 0; p < depth; p++)
            {
                float want = countAlongRows ? source[(i * ld) + p] : source[(p * ld) + i];
                if (dst[((i / width) * depth * width) + (p * width) + (i % width)] != want)
                {
                    return false;
                }
            }
        }

        for (int i = count; i < panels * width; i++)
        {
            for (int p = 0; p < depth; p++)
            {
                if (dst[((i / width) * depth * width) + (p * width) + (i % width)] != 0f)
                {
                    return false;
                }
            }
        }

        return dst.AsSpan(packed).ToArray().All(float.IsNaN);
    }
}

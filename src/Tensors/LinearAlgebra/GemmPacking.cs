using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layout the microkernels read, zero-padding
/// the last panel so that every panel is full:
/// packed A: panels of MR rows, each [kc][MR] (element (i, p) at panel·kc·MR + p·MR + i mod MR);
/// packed B: panels of NR columns, each [kc][NR] (element (p, j) at panel·kc·NR + p·NR + j mod NR).
/// </summary>
internal static class GemmPacking
{
    /// <summary>
    /// Packs rows [0, mc) and depth [0, kc) of op(A), where <paramref name="a"/> points at element (0, 0)
    /// of op(A): op(A)(i, p) = transA ? a[p·lda + i] : a[i·lda + p].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackA(bool transA, float* a, int lda, int mc, int kc, int mr, float* dst)
    {
        if (transA)
        {
            // Stored row p of A is column p of op(A): contiguous in i.
            PackRows(a, lda, kc, mc, mr, dst);
            return;
        }

        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            {
                // Four rows at a time: four sequential read streams, one interleaved write stream.
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                {
                    float* s0 = a + ((long)(i0 + r) * lda);
                    float* s1 = s0 + lda;
                    float* s2 = s1 + lda;
                    float* s3 = s2 + lda;
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++)
                    {
                        d[0] = s0[p];
                        d[1] = s1[p];
                        d[2] = s2[p];
                        d[3] = s3[p];
                        d += mr;
                    }
                }

                for (; r < rows; r++)
                {
                    float* s = a + ((long)(i0 + r) * lda);
                    for (int p = 0; p < kc; p++)
                    {
                        dst[(p * mr) + r] = s[p];
                    }
                }

                for (; r < mr; r++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        dst[(p * mr) + r] = 0;
                    }
                }
            }

            dst += kc * mr;
        }
    }

    /// <summary>
    /// Packs depth [0, kc) and columns [0, nc) of op(B), where <paramref name="b"/> points at element (0, 0)
    /// of op(B): op(B)(p, j) = transB ? b[j·ldb + p] : b[p·ldb + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackB(bool transB, float* b, int ldb, int kc, int nc, int nr, float* dst)
    {
        if (!transB)
        {
            PackRows(b, ldb, kc, nc, nr, dst);
            return;
        }

        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            {
                // Stored row j of B is column j of op(B): read it sequentially, write with stride NR.
                int c = 0;
                for (; c + 4 <= cols; c += 4)
                {
                    float* s0 = b + ((long)(j0 + c) * ldb);
                    float* s1 = s0 + ldb;
                    float* s2 = s1 + ldb;
                    float* s3 = s2 + ldb;
                    float* d = dst + c;
                    for (int p = 0; p < kc; p++)
                    {
                        d[0] = s0[p];
                        d[1] = s1[p];
                        d[2] = s2[p];
                        d[3] = s3[p];
                        d += nr;
                    }
                }

                for (; c < cols; c++)
                {
                    float* s = b + ((long)(j0 + c) * ldb);
                    for (int p = 0; p < kc; p++)
                    {
                        dst[(p * nr) + c] = s[p];
                    }
                }

                for (; c < nr; c++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        dst[(p * nr) + c] = 0;
                    }
                }
            }

            dst += kc * nr;
        }
    }

    /// <summary>
    /// Packs a block whose stored rows run along the panel width: row p (p &lt; rows) holds
    /// <paramref name="cols"/> contiguous elements; element (p, j) goes to panel j / w, position p·w + j mod w.
    /// Rows go in groups of eight: within a group every panel gets one contiguous run of writes, and
    /// the eight source rows stay in L1 while the panels advance along them. (Row by row, the writes
    /// would hit panels a multiple of 4 KiB apart, the same L1 set, and thrash it.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackRows(float* src, int ld, int rows, int cols, int w, float* dst)
    {
        const int Group = 8;
        int full = cols / w;
        int rest = cols - (full * w);
        long panel = (long)rows * w;
        for (int p0 = 0; p0 < rows; p0 += Group)
        {
            int p1 = Math.Min(rows, p0 + Group);
            for (int q = 0; q <= full; q++)
            {
                int count = q < full ? w : rest;
                if (count == 0)
                {
                    break;
                }

                float* s = src + ((long)p0 * ld) + ((long)q * w);
                float* d = dst + (q * panel) + ((long)p0 * w);
                for (int p = p0; p < p1; p++)
                {
                    Copy(s, d, count, w);
                    s += ld;
                    d += w;
                }
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> floats and zero-fills the rest up to <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int count, int width)
    {
        CopyShort(src, dst, count);
        for (int i = count; i < width; i++)
        {
            dst[i] = 0;
        }
    }

    /// <summary>
    /// Copies a few dozen floats with vector moves: a call to memmove costs more than the copy at
    /// these sizes (a panel row is 4 to 32 floats).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyShort(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512.Store(Vector512.Load(src + i), dst + i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector256.Store(Vector256.Load(src + i), dst + i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= count; i += 4)
            {
                Vector128.Store(Vector128.Load(src + i), dst + i);
            }
        }

        for (; i < count; i++)
        {
            dst[i] = src[i];
        }
    }
}

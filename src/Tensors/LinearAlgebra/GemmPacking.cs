using System.Runtime.CompilerServices;

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
    public static unsafe void PackA(bool transA, float* a, int lda, int mc, int kc, int mr, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            if (transA)
            {
                // Stored row p of A is column p of op(A): contiguous in i.
                float* src = a + i0;
                for (int p = 0; p < kc; p++)
                {
                    Copy(src + ((long)p * lda), dst + (p * mr), rows, mr);
                }
            }
            else
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
    public static unsafe void PackB(bool transB, float* b, int ldb, int kc, int nc, int nr, float* dst)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            if (!transB)
            {
                float* src = b + j0;
                for (int p = 0; p < kc; p++)
                {
                    Copy(src + ((long)p * ldb), dst + (p * nr), cols, nr);
                }
            }
            else
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

    /// <summary>Copies <paramref name="count"/> floats and zero-fills the rest up to <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int count, int width)
    {
        Unsafe.CopyBlockUnaligned(dst, src, (uint)count * sizeof(float));
        if (count < width)
        {
            Unsafe.InitBlockUnaligned(dst + count, 0, (uint)(width - count) * sizeof(float));
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            // Stored row i of A is row i of op(A): contiguous in p; the panel wants it across.
            Transpose(a + ((long)i0 * lda), lda, Math.Min(mr, mc - i0), kc, mr, dst);
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
            // Stored row j of B is column j of op(B): contiguous in p; the panel wants it across.
            Transpose(b + ((long)j0 * ldb), ldb, cols, kc, nr, dst);
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
                int p = p0;
                if (Avx.IsSupported && w is >= 4 and < 8 && count == w && (q * w) + 8 <= cols)
                {
                    // Narrow panels (MR = 6): move 8 floats per row; the 8 − w ≤ 4 extra land on
                    // the next row of the panel, which the next store overwrites. The panel's last row
                    // is copied exactly, so nothing runs into the next panel.
                    int end = Math.Min(p1, rows - 1);
                    for (; p < end; p++)
                    {
                        Avx.Store(d, Avx.LoadVector256(s));
                        s += ld;
                        d += w;
                    }
                }

                for (; p < p1; p++)
                {
                    Copy(s, d, count, w);
                    s += ld;
                    d += w;
                }
            }
        }
    }

    /// <summary>
    /// dst[p·w + i] = src[i·ld + p] for i &lt; count, p &lt; len, and 0 for count ≤ i &lt; w: rows of src
    /// become columns of a panel of width w. With AVX, 8×8 blocks are transposed in registers; when w
    /// is not a multiple of 8 (MR = 6) each block store runs up to 8 − w floats into the next panel
    /// row, which a later store overwrites; never past the panel's last row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Transpose(float* src, int ld, int count, int len, int w, float* dst)
    {
        int p8 = 0;
        if (Avx.IsSupported && (w % 8 == 0 || w is >= 4 and <= 8))
        {
            p8 = len / 8 * 8;
            if (w < 8 && p8 == len)
            {
                // The last 8 rows go to the scalar loop below, so no store runs past the panel's
                // end into the next one (which another thread may be packing: GemmDriver.Shared).
                p8 -= 8;
            }
            for (int i = 0; i < count; i += 8)
            {
                // Rows past count repeat the last row (valid memory); their lanes are zeroed below.
                float* r0 = src + ((long)i * ld);
                long last = count - 1 - i;
                float* r1 = src + ((long)(i + Math.Min(1, last)) * ld);
                float* r2 = src + ((long)(i + Math.Min(2, last)) * ld);
                float* r3 = src + ((long)(i + Math.Min(3, last)) * ld);
                float* r4 = src + ((long)(i + Math.Min(4, last)) * ld);
                float* r5 = src + ((long)(i + Math.Min(5, last)) * ld);
                float* r6 = src + ((long)(i + Math.Min(6, last)) * ld);
                float* r7 = src + ((long)(i + Math.Min(7, last)) * ld);
                for (int p = 0; p < p8; p += 8)
                {
                    var t0 = Avx.UnpackLow(Avx.LoadVector256(r0 + p), Avx.LoadVector256(r1 + p));
                    var t1 = Avx.UnpackHigh(Avx.LoadVector256(r0 + p), Avx.LoadVector256(r1 + p));
                    var t2 = Avx.UnpackLow(Avx.LoadVector256(r2 + p), Avx.LoadVector256(r3 + p));
                    var t3 = Avx.UnpackHigh(Avx.LoadVector256(r2 + p), Avx.LoadVector256(r3 + p));
                    var t4 = Avx.UnpackLow(Avx.LoadVector256(r4 + p), Avx.LoadVector256(r5 + p));
                    var t5 = Avx.UnpackHigh(Avx.LoadVector256(r4 + p), Avx.LoadVector256(r5 + p));
                    var t6 = Avx.UnpackLow(Avx.LoadVector256(r6 + p), Avx.LoadVector256(r7 + p));
                    var t7 = Avx.UnpackHigh(Avx.LoadVector256(r6 + p), Avx.LoadVector256(r7 + p));
                    var u0 = Avx.Shuffle(t0, t2, 0x44);
                    var u1 = Avx.Shuffle(t0, t2, 0xEE);
                    var u2 = Avx.Shuffle(t1, t3, 0x44);
                    var u3 = Avx.Shuffle(t1, t3, 0xEE);
                    var u4 = Avx.Shuffle(t4, t6, 0x44);
                    var u5 = Avx.Shuffle(t4, t6, 0xEE);
                    var u6 = Avx.Shuffle(t5, t7, 0x44);
                    var u7 = Avx.Shuffle(t5, t7, 0xEE);
                    float* d = dst + ((long)p * w) + i;
                    Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
                    Avx.Store(d + w, Avx.Permute2x128(u1, u5, 0x20));
                    Avx.Store(d + (2 * w), Avx.Permute2x128(u2, u6, 0x20));
                    Avx.Store(d + (3 * w), Avx.Permute2x128(u3, u7, 0x20));
                    Avx.Store(d + (4 * w), Avx.Permute2x128(u0, u4, 0x31));
                    Avx.Store(d + (5 * w), Avx.Permute2x128(u1, u5, 0x31));
                    Avx.Store(d + (6 * w), Avx.Permute2x128(u2, u6, 0x31));
                    Avx.Store(d + (7 * w), Avx.Permute2x128(u3, u7, 0x31));
                }
            }

            // Zero the lanes of rows past count (they hold repeated rows, or spill from the stores).
            if (count < w)
            {
                for (int p = 0; p < p8; p++)
                {
                    new Span<float>(dst + ((long)p * w) + count, w - count).Clear();
                }
            }
        }

        for (int i = 0; i < count; i++)
        {
            float* s = src + ((long)i * ld);
            for (int p = p8; p < len; p++)
            {
                dst[((long)p * w) + i] = s[p];
            }
        }

        if (count < w)
        {
            for (int p = p8; p < len; p++)
            {
                new Span<float>(dst + ((long)p * w) + count, w - count).Clear();
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> floats and zero-fills the rest up to <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int count, int width)
    {
        CopyShort(src, dst, count);
        if (count < width)
        {
            new Span<float>(dst + count, width - count).Clear();
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

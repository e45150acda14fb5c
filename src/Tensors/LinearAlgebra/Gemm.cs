namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>
/// Single-precision general matrix multiply, row-major:
/// <c>C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C[m,n]</c>, where op(X) is X or Xᵀ.
/// Row-major storage: element (i, j) of a matrix with leading dimension ld sits at offset + i·ld + j.
/// With transA, A is stored as [k, m]; with transB, B is stored as [n, k].
/// Results depend only on the arguments and <paramref name="threads"/>: the same inputs and thread
/// count give bit-identical C; in fact C does not depend on the thread count at all, because work is
/// split over rows and columns of C, never over k (see docs/gemm.md). C must not overlap A or B.
/// </summary>
public static class Gemm
{
    public static void Multiply(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        float alpha,
        float[] a,
        int aOffset,
        int lda,
        float[] b,
        int bOffset,
        int ldb,
        float beta,
        float[] c,
        int cOffset,
        int ldc,
        int threads = 1) =>
        Multiply(GemmIsas.Best, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads);

    /// <summary>
    /// The same product on spans: each span starts at element (0, 0) of its stored matrix
    /// (A is [k, m] when <paramref name="transA"/>, B is [n, k] when <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        float alpha,
        ReadOnlySpan<float> a,
        int lda,
        ReadOnlySpan<float> b,
        int ldb,
        float beta,
        Span<float> c,
        int ldc,
        int threads = 1)
    {
        CheckSizes(m, n, k, threads);
        CheckMatrix("A", a.Length, 0, lda, transA ? k : m, transA ? m : k);
        CheckMatrix("B", b.Length, 0, ldb, transB ? n : k, transB ? k : n);
        CheckMatrix("C", c.Length, 0, ldc, m, n);
        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                var problem = new GemmDriver.Problem(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                GemmDriver.Run(GemmIsas.Best, problem, threads);
            }
        }
    }

    /// <summary>
    /// <paramref name="batch"/> independent products with the same shape: product i reads A at
    /// <c>aOffset + i·strideA</c>, B at <c>bOffset + i·strideB</c> and writes C at
    /// <c>cOffset + i·strideC</c> (for attention: batch = B·H, T×hs times hs×T and T×T times T×hs).
    /// Each product gives exactly what <see cref="Multiply(bool, bool, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)"/>
    /// gives for it alone. The C matrices must not overlap each other, A or B.
    /// </summary>
    public static void MultiplyBatched(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        float alpha,
        float[] a,
        int aOffset,
        long strideA,
        int lda,
        float[] b,
        int bOffset,
        long strideB,
        int ldb,
        float beta,
        float[] c,
        int cOffset,
        long strideC,
        int ldc,
        int batch,
        int threads = 1) =>
        MultiplyBatched(GemmIsas.Best, transA, transB, m, n, k, alpha, a, aOffset, strideA, lda, b, bOffset, strideB, ldb, beta, c, cOffset, strideC, ldc, batch, threads);

    /// <summary><see cref="Multiply(bool, bool, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)"/> on a chosen ISA path (tests force each one).</summary>
    internal static void Multiply(
        GemmIsa isa, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
        float beta, float[] c, int cOffset, int ldc, int threads)
    {
        Check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, threads);
        CheckIsa(isa);
        if (m == 0 || n == 0)
        {
            return;
        }

        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                var problem = new GemmDriver.Problem(transA, transB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc);
                GemmDriver.Run(isa, problem, threads);
            }
        }
    }

    /// <summary>The batched product on a chosen ISA path.</summary>
    internal static void MultiplyBatched(
        GemmIsa isa, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, long strideA, int lda, float[] b, int bOffset, long strideB, int ldb,
        float beta, float[] c, int cOffset, long strideC, int ldc, int batch, int threads)
    {
        CheckSizes(m, n, k, threads);
        CheckIsa(isa);
        if (batch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"GEMM batch must be non-negative, found {batch}");
        }

        if (batch == 0 || m == 0 || n == 0)
        {
            return;
        }

        if (strideA < 0 || strideB < 0 || strideC < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(strideC), $"GEMM batch strides must be non-negative: strideA={strideA}, strideB={strideB}, strideC={strideC}");
        }

        // The first and the last product bound every other one (strides are non-negative).
        long last = batch - 1;
        CheckMatrix("A", a.Length, aOffset, lda, transA ? k : m, transA ? m : k);
        CheckMatrix("B", b.Length, bOffset, ldb, transB ? n : k, transB ? k : n);
        CheckMatrix("C", c.Length, cOffset, ldc, m, n);
        CheckMatrix("A", a.Length, aOffset + (last * strideA), lda, transA ? k : m, transA ? m : k, last);
        CheckMatrix("B", b.Length, bOffset + (last * strideB), ldb, transB ? n : k, transB ? k : n, last);
        CheckMatrix("C", c.Length, cOffset + (last * strideC), ldc, m, n, last);
        if (batch > 1 && strideC < (long)(m - 1) * ldc + n)
        {
            throw new ArgumentException($"GEMM batched C: stride {strideC} is less than one [{m}, {n}] matrix with leading dimension {ldc} spans ({((long)(m - 1) * ldc) + n}), so the outputs would overlap");
        }

        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                var problem = new GemmDriver.Problem(transA, transB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc);
                GemmDriver.RunBatched(isa, problem, strideA, strideB, strideC, batch, threads);
            }
        }
    }

    /// <summary>The plain triple loop with a double accumulator: the oracle the fast paths are tested against.</summary>
    public static void ReferenceMultiply(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        float alpha,
        float[] a,
        int aOffset,
        int lda,
        float[] b,
        int bOffset,
        int ldb,
        float beta,
        float[] c,
        int cOffset,
        int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                    float bv = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                    sum += (double)av * bv;
                }

                int ci = cOffset + i * ldc + j;
                c[ci] = beta == 0 ? (float)(alpha * sum) : (float)(alpha * sum + beta * c[ci]);
            }
        }
    }

    private static void Check(
        bool transA, bool transB, int m, int n, int k, float[] a, int aOffset, int lda,
        float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, int threads)
    {
        CheckSizes(m, n, k, threads);
        CheckMatrix("A", a.Length, aOffset, lda, transA ? k : m, transA ? m : k);
        CheckMatrix("B", b.Length, bOffset, ldb, transB ? n : k, transB ? k : n);
        CheckMatrix("C", c.Length, cOffset, ldc, m, n);
    }

    private static void CheckSizes(int m, int n, int k, int threads)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be non-negative: m={m}, n={n}, k={k}");
        }

        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be at least 1, found {threads}");
        }
    }

    private static void CheckIsa(GemmIsa isa)
    {
        if (!GemmIsas.IsSupported(isa))
        {
            throw new PlatformNotSupportedException($"GEMM path {isa} needs instructions this CPU lacks");
        }
    }

    /// <param name="index">The product of a batched call the matrix belongs to, named in the message; -1 for none.</param>
    private static void CheckMatrix(string name, int length, long offset, int ld, int rows, int cols, long index = -1)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        if (ld < cols)
        {
            throw new ArgumentException($"GEMM {Name(name, index)}: leading dimension {ld} is less than its {cols} columns");
        }

        long last = offset + ((long)(rows - 1) * ld) + cols;
        if (offset < 0 || last > length)
        {
            throw new ArgumentException($"GEMM {Name(name, index)}: a [{rows}, {cols}] matrix at offset {offset} with leading dimension {ld} needs {last} elements, the buffer has {length}");
        }
    }

    private static string Name(string name, long index) => index < 0 ? name : $"{name}[{index}]";
}

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>
/// Single-precision general matrix multiply, row-major:
/// <c>C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C[m,n]</c>, where op(X) is X or Xᵀ.
/// Row-major storage: element (i, j) of a matrix with leading dimension ld sits at offset + i·ld + j.
/// With transA, A is stored as [k, m]; with transB, B is stored as [n, k].
/// Results depend only on the arguments and <paramref name="threads"/>: the same inputs and thread
/// count give bit-identical C.
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
        int threads = 1)
    {
        Check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, threads);
        ReferenceMultiply(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
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
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be non-negative: m={m}, n={n}, k={k}");
        }

        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be at least 1, found {threads}");
        }

        CheckMatrix("A", a, aOffset, lda, transA ? k : m, transA ? m : k);
        CheckMatrix("B", b, bOffset, ldb, transB ? n : k, transB ? k : n);
        CheckMatrix("C", c, cOffset, ldc, m, n);
    }

    private static void CheckMatrix(string name, float[] x, int offset, int ld, int rows, int cols)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        if (ld < cols)
        {
            throw new ArgumentException($"GEMM {name}: leading dimension {ld} is less than its {cols} columns");
        }

        long last = offset + (long)(rows - 1) * ld + cols;
        if (offset < 0 || last > x.Length)
        {
            throw new ArgumentException($"GEMM {name}: a [{rows}, {cols}] matrix at offset {offset} with leading dimension {ld} needs {last} elements, the buffer has {x.Length}");
        }
    }
}

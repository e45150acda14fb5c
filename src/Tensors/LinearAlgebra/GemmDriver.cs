using System.Runtime.CompilerServices;

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>
/// The blocked GEMM (Goto/BLIS loop nest) on raw pointers, already validated:
/// for jc over N in NC steps, for pc over K in KC steps (pack a KC×NC block of B),
/// for ic over M in MC steps (pack an MC×KC block of A), for each MR×NR tile: microkernel.
/// Each element of C sees the same operations whatever the tile, block or thread it lands in:
/// acc = Σ fma over one KC block in k order, then C = fma(alpha, acc, beta'·C) with beta' = beta
/// for the first block and 1 after. K is never split between threads, so C does not depend on
/// the thread count.
/// </summary>
[SkipLocalsInit]
internal static unsafe partial class GemmDriver
{
    /// <summary>Below this many multiply-adds (m·n·k, about 10 µs of one core) a call stays on one thread: waking a worker costs more.</summary>
    internal const long ParallelThreshold = 1L << 20;

    /// <summary>Up to this many row panels of A (MR rows each), a non-transposed B is read in place, not packed.</summary>
    internal const int DirectBRows = 4;

    /// <summary>One GEMM on pointers: op(A) is m×k, op(B) is k×n, C is m×n.</summary>
    /// <remarks>
    /// With <see cref="TransC"/> the problem computes Cᵀ: element (i, j) of this problem's C sits at
    /// C + i + j·ldc. <see cref="Oriented"/> uses it to turn a thin C (few columns) into a wide one.
    /// </remarks>
    internal readonly struct Problem(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool transC = false)
    {
        public readonly bool TransA = transA;
        public readonly bool TransB = transB;
        public readonly int M = m;
        public readonly int N = n;
        public readonly int K = k;
        public readonly float Alpha = alpha;
        public readonly float* A = a;
        public readonly int Lda = lda;
        public readonly float* B = b;
        public readonly int Ldb = ldb;
        public readonly float Beta = beta;
        public readonly float* C = c;
        public readonly int Ldc = ldc;
        public readonly bool TransC = transC;

        /// <summary>The rows [i0, i0+rows) and columns [j0, j0+cols) of C as a problem of their own.</summary>
        public Problem Sub(int i0, int rows, int j0, int cols)
        {
            float* a = TransA ? A + i0 : A + ((long)i0 * Lda);
            float* b = TransB ? B + ((long)j0 * Ldb) : B + j0;
            return new Problem(TransA, TransB, rows, cols, K, Alpha, a, Lda, b, Ldb, Beta, At(i0, j0), Ldc, TransC);
        }

        public Problem Shift(long aStep, long bStep, long cStep) =>
            new(TransA, TransB, M, N, K, Alpha, A + aStep, Lda, B + bStep, Ldb, Beta, C + cStep, Ldc, TransC);

        /// <summary>Address of element (i, j) of this problem's C.</summary>
        public float* At(int i, int j) => TransC ? C + i + ((long)j * Ldc) : C + ((long)i * Ldc) + j;

        /// <summary>
        /// The same product as Cᵀ = op(B)ᵀ·op(A)ᵀ when that wastes less of the register tile (C with
        /// fewer columns than half a tile, say n = 1..31 against NR = 64). Each element still gets the
        /// same products in the same order, so the bits do not change, only the speed.
        /// </summary>
        public Problem Oriented(GemmBlocking blk)
        {
            static double Use(int size, int tile) => (double)size / (((size + tile - 1) / tile) * tile);
            double straight = Use(M, blk.Mr) * Use(N, blk.Nr);
            double swapped = Use(N, blk.Mr) * Use(M, blk.Nr);
            return swapped > 1.25 * straight
                ? new Problem(!TransB, !TransA, N, M, K, Alpha, B, Ldb, A, Lda, Beta, C, Ldc, !TransC)
                : this;
        }
    }

    /// <summary>Runs one problem with up to <paramref name="threads"/> threads, split over M or N.</summary>
    public static void Run(GemmIsa isa, in Problem p, int threads)
    {
        if (p.M == 0 || p.N == 0)
        {
            return;
        }

        var blocking = GemmIsas.Blocking(isa);
        var q = p.Oriented(blocking);
        var split = Split.Choose(q.M, q.N, q.K, blocking, threads);
        if (split.Parts == 1)
        {
            Serial(isa, blocking, q);
            return;
        }

        if (TryShared(isa, blocking, q, split))
        {
            return;
        }

        var task = TileTask.ForThisThread();
        task.Set(isa, blocking, q, split);
        try
        {
            GemmWorkers.Run(task, split.Parts, split.Parts);
        }
        finally
        {
            task.Clear();
        }
    }

    /// <summary>
    /// Runs <paramref name="batch"/> problems, problem i at A + i·strideA, B + i·strideB, C + i·strideC.
    /// With at least as many problems as threads each thread takes a contiguous run of whole problems;
    /// otherwise the problems run one after another, each split over threads.
    /// </summary>
    public static void RunBatched(GemmIsa isa, in Problem p, long strideA, long strideB, long strideC, int batch, int threads)
    {
        if (batch == 0 || p.M == 0 || p.N == 0)
        {
            return;
        }

        long work = (long)p.M * p.N * Math.Max(p.K, 1);
        int parts = (int)Math.Min(Math.Min(threads, batch), Math.Max(1, work * batch / ParallelThreshold));
        if (parts > 1 && batch >= threads)
        {
            var task = BatchTask.ForThisThread();
            task.Set(isa, GemmIsas.Blocking(isa), p, strideA, strideB, strideC, batch, parts);
            try
            {
                GemmWorkers.Run(task, parts, parts);
            }
            finally
            {
                task.Clear();
            }

            return;
        }

        for (int i = 0; i < batch; i++)
        {
            Run(isa, p.Shift(i * strideA, i * strideB, i * strideC), threads);
        }
    }

    /// <summary>The whole blocked loop nest on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Serial(GemmIsa isa, GemmBlocking blk, in Problem p)
    {
        if (p.M == 0 || p.N == 0)
        {
            return;
        }

        if (p.K == 0)
        {
            ScaleC(p);
            return;
        }

        // A is packed once per KC block (in MC-row chunks, one chunk whenever M ≤ McMax) and B once
        // per chunk: with M ≤ McMax every element of A and B is packed exactly once.
        int chunks = (p.M + blk.Mc - 1) / blk.Mc;
        int mcStep = ((p.M + chunks - 1) / chunks + blk.Mr - 1) / blk.Mr * blk.Mr;
        int kcMax = Math.Min(blk.Kc, p.K);
        int ncMax = Math.Min(blk.Nc, (p.N + blk.Nr - 1) / blk.Nr * blk.Nr);
        var ws = Workspace.ForThisThread((long)mcStep * kcMax, (long)kcMax * ncMax);
        float* packA = ws.A;
        float* packB = ws.B;
        float* edge = stackalloc float[blk.Mr * blk.Nr];
        var kernel = Kernel(isa);
        int mr = blk.Mr;
        int nr = blk.Nr;

        // With few row panels of A, packing B costs about as much as using it: read a row-major B
        // where it lies (the kernel takes B's row stride). Same products, same order, same bits.
        bool readB = !p.TransB && p.M <= DirectBRows * mr;

        for (int pc = 0; pc < p.K; pc += blk.Kc)
        {
            int kc = Math.Min(blk.Kc, p.K - pc);
            float beta = pc == 0 ? p.Beta : 1f;
            for (int ic = 0; ic < p.M; ic += mcStep)
            {
                int mc = Math.Min(mcStep, p.M - ic);
                float* aBlock = p.TransA ? p.A + ((long)pc * p.Lda) + ic : p.A + ((long)ic * p.Lda) + pc;
                GemmPacking.PackA(p.TransA, aBlock, p.Lda, mc, kc, mr, packA);

                for (int jc = 0; jc < p.N; jc += blk.Nc)
                {
                    int nc = Math.Min(blk.Nc, p.N - jc);
                    float* bBlock = p.TransB ? p.B + ((long)jc * p.Ldb) + pc : p.B + ((long)pc * p.Ldb) + jc;

                    // Full-width tiles read B in place; only a partial last tile is packed (to panel 0).
                    int direct = readB ? nc / nr * nr : 0;
                    if (direct < nc)
                    {
                        float* rest = p.TransB ? bBlock + ((long)direct * p.Ldb) : bBlock + direct;
                        GemmPacking.PackB(p.TransB, rest, p.Ldb, kc, nc - direct, nr, packB);
                    }

                    Macro(kernel, p, mr, nr, kc, beta, packA, ic, mc, jc, nc, bBlock, direct, packB, edge);
                }
            }
        }
    }

    /// <summary>
    /// Every MR×NR tile of rows [ic, ic+mc) and columns [jc, jc+nc) of C for one KC block: A from
    /// <paramref name="packA"/> (panels of MR rows, kc deep, one after another); the first
    /// <paramref name="direct"/> columns of B read in place from <paramref name="bBlock"/> (row stride
    /// ldb), the rest from <paramref name="packB"/> (panels of NR columns, kc deep).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro(
        delegate*<int, float*, float*, nint, float*, int, float, float, void> kernel, in Problem p,
        int mr, int nr, int kc, float beta, float* packA, int ic, int mc, int jc, int nc,
        float* bBlock, int direct, float* packB, float* edge)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* pa = packA + ((long)ir * kc);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* pb = jr < direct ? bBlock + jr : packB + ((long)(jr - direct) * kc);
                nint ldb = jr < direct ? p.Ldb : nr;
                float* cTile = p.At(ic + ir, jc + jr);
                if (p.TransC)
                {
                    TransposedTile(kernel, kc, pa, pb, ldb, cTile, p.Ldc, p.Alpha, beta, rows, cols, edge, nr);
                }
                else if (rows == mr && cols == nr)
                {
                    kernel(kc, pa, pb, ldb, cTile, p.Ldc, p.Alpha, beta);
                }
                else
                {
                    EdgeTile(kernel, kc, pa, pb, ldb, cTile, p.Ldc, p.Alpha, beta, rows, cols, edge, nr);
                }
            }
        }
    }

    /// <summary>
    /// A partial tile runs the same kernel on a full-size scratch tile (C copied in, copied back),
    /// so edge elements get exactly the operations interior elements get.
    /// </summary>
    private static void EdgeTile(
        delegate*<int, float*, float*, nint, float*, int, float, float, void> kernel,
        int kc, float* pa, float* pb, nint ldb, float* c, int ldc, float alpha, float beta, int rows, int cols, float* tile, int nr)
    {
        uint bytes = (uint)cols * sizeof(float);
        if (beta != 0)
        {
            for (int r = 0; r < rows; r++)
            {
                Unsafe.CopyBlockUnaligned(tile + (r * nr), c + ((long)r * ldc), bytes);
            }
        }

        kernel(kc, pa, pb, ldb, tile, nr, alpha, beta);
        for (int r = 0; r < rows; r++)
        {
            Unsafe.CopyBlockUnaligned(c + ((long)r * ldc), tile + (r * nr), bytes);
        }
    }

    /// <summary>A tile of a <see cref="Problem.TransC"/> problem: as <see cref="EdgeTile"/>, copying C in and out transposed.</summary>
    private static void TransposedTile(
        delegate*<int, float*, float*, nint, float*, int, float, float, void> kernel,
        int kc, float* pa, float* pb, nint ldb, float* c, int ldc, float alpha, float beta, int rows, int cols, float* tile, int nr)
    {
        if (beta != 0)
        {
            for (int j = 0; j < cols; j++)
            {
                for (int r = 0; r < rows; r++)
                {
                    tile[(r * nr) + j] = c[r + ((long)j * ldc)];
                }
            }
        }

        kernel(kc, pa, pb, ldb, tile, nr, alpha, beta);
        for (int j = 0; j < cols; j++)
        {
            for (int r = 0; r < rows; r++)
            {
                c[r + ((long)j * ldc)] = tile[(r * nr) + j];
            }
        }
    }

    /// <summary>k = 0: C = beta·C (and exactly 0 when beta is 0, whatever C held).</summary>
    private static void ScaleC(in Problem p)
    {
        int rows = p.TransC ? p.N : p.M;
        int cols = p.TransC ? p.M : p.N;
        for (int i = 0; i < rows; i++)
        {
            var row = new Span<float>(p.C + ((long)i * p.Ldc), cols);
            if (p.Beta == 0)
            {
                row.Clear();
            }
            else
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] *= p.Beta;
                }
            }
        }
    }

    private static delegate*<int, float*, float*, nint, float*, int, float, float, void> Kernel(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => &GemmKernels.Avx512Kernel,
        GemmIsa.Avx2 => &GemmKernels.Avx2Kernel,
        _ => &GemmKernels.PortableKernel,
    };

    /// <summary>How a call is cut between threads: <see cref="Parts"/> ranges of whole tiles along M or N.</summary>
    internal readonly record struct Split(int Parts, bool AlongN, int Tiles, int Unit)
    {
        public static Split Choose(int m, int n, int k, GemmBlocking blk, int threads)
        {
            long work = (long)m * n * Math.Max(k, 1);
            int tilesM = (m + blk.Mr - 1) / blk.Mr;
            int tilesN = (n + blk.Nr - 1) / blk.Nr;
            int parts = (int)Math.Min(threads, Math.Max(1, work / ParallelThreshold));
            parts = Math.Min(parts, Math.Max(tilesM, tilesN));
            if (parts <= 1)
            {
                return new Split(1, true, tilesN, blk.Nr);
            }

            // Splitting N makes every thread pack all of A (m·k), splitting M all of B (k·n): cut the
            // dimension whose operand is larger, unless its tiles share out clearly less evenly.
            double evenN = tilesN >= parts ? (double)tilesN / (parts * ((tilesN + parts - 1) / parts)) : 0;
            double evenM = tilesM >= parts ? (double)tilesM / (parts * ((tilesM + parts - 1) / parts)) : 0;
            bool alongM = m >= n ? evenM >= evenN - 0.1 : evenM > evenN + 0.1;
            return alongM
                ? new Split(parts, false, tilesM, blk.Mr)
                : new Split(parts, true, tilesN, blk.Nr);
        }

        /// <summary>The element range [start, end) of part i, in whole tiles (the last one may be partial).</summary>
        public (int Start, int End) Range(int part, int size)
        {
            int t0 = (int)((long)Tiles * part / Parts);
            int t1 = (int)((long)Tiles * (part + 1) / Parts);
            return (Math.Min(t0 * Unit, size), Math.Min(t1 * Unit, size));
        }
    }

    /// <summary>
    /// Packing buffers of one thread, pinned and 64-byte aligned, sized to the largest call the thread
    /// has made (at most MC·KC + KC·NC floats, about 2.9 MB with AVX-512), grown but never shrunk.
    /// </summary>
    private sealed class Workspace
    {
        [ThreadStatic]
        private static Workspace? _current;

        private float[] _memory = [];

        public float* A { get; private set; }

        public float* B { get; private set; }

        public static Workspace ForThisThread(long aFloats, long bFloats)
        {
            var ws = _current ??= new Workspace();
            ws.Fit(aFloats, bFloats);
            return ws;
        }

        private void Fit(long aFloats, long bFloats)
        {
            const int Align = 16;
            // Up to 15 floats go to alignment; after each region one Align of slack, since a
            // transposing pack may store up to 7 floats past its panel.
            long need = aFloats + bFloats + (4 * Align);
            if (_memory.Length < need)
            {
                // Grow by half again at least, so a thread whose calls creep up in size reallocates rarely.
                long size = Math.Max(need, _memory.Length + (_memory.Length / 2));
                _memory = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
            }

            float* start = (float*)Unsafe.AsPointer(ref _memory[0]);
            float* aligned = (float*)(((nint)start + 63) & ~(nint)63);
            A = aligned;
            B = aligned + ((aFloats + Align + Align - 1) / Align * Align);
        }
    }

    /// <summary>The parts of one split call; cached per calling thread so a call allocates nothing.</summary>
    private sealed class TileTask : IGemmParts
    {
        [ThreadStatic]
        private static TileTask? _current;

        private GemmIsa _isa;
        private GemmBlocking _blocking;
        private Problem _problem;
        private Split _split;

        public static TileTask ForThisThread() => _current ??= new TileTask();

        public void Set(GemmIsa isa, GemmBlocking blocking, in Problem p, Split split)
        {
            _isa = isa;
            _blocking = blocking;
            _problem = p;
            _split = split;
        }

        public void Clear() => _problem = default;

        public void Run(int part)
        {
            if (_split.AlongN)
            {
                var (j0, j1) = _split.Range(part, _problem.N);
                Serial(_isa, _blocking, _problem.Sub(0, _problem.M, j0, j1 - j0));
            }
            else
            {
                var (i0, i1) = _split.Range(part, _problem.M);
                Serial(_isa, _blocking, _problem.Sub(i0, i1 - i0, 0, _problem.N));
            }
        }
    }

    /// <summary>Contiguous runs of whole problems of a batched call, one run per part.</summary>
    private sealed class BatchTask : IGemmParts
    {
        [ThreadStatic]
        private static BatchTask? _current;

        private GemmIsa _isa;
        private GemmBlocking _blocking;
        private Problem _problem;
        private long _strideA;
        private long _strideB;
        private long _strideC;
        private int _batch;
        private int _parts;

        public static BatchTask ForThisThread() => _current ??= new BatchTask();

        public void Set(GemmIsa isa, GemmBlocking blocking, in Problem p, long strideA, long strideB, long strideC, int batch, int parts)
        {
            _isa = isa;
            _blocking = blocking;
            _problem = p;
            _strideA = strideA;
            _strideB = strideB;
            _strideC = strideC;
            _batch = batch;
            _parts = parts;
        }

        public void Clear() => _problem = default;

        public void Run(int part)
        {
            int i0 = (int)((long)_batch * part / _parts);
            int i1 = (int)((long)_batch * (part + 1) / _parts);
            for (int i = i0; i < i1; i++)
            {
                Serial(_isa, _blocking, _problem.Shift(i * _strideA, i * _strideB, i * _strideC).Oriented(_blocking));
            }
        }
    }
}

using System.Runtime.CompilerServices;

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>
/// The parallel GEMM: the operand every part needs is packed once, by all threads together, into
/// one buffer; then more parts than threads (each a range of whole tiles along the split
/// dimension, one KC block at a time) are claimed one at a time, each packing only its own slice
/// of the other operand.
/// So both operands are packed exactly once whatever the thread count, and a core that runs
/// slower (another process on it, a busy hypervisor) simply claims fewer parts instead of
/// holding up the call: with a fixed half each, the call took as long as its slower core.
/// Every element of C still gets the kernel calls of <see cref="Serial"/>, in the same order.
/// </summary>
internal static unsafe partial class GemmDriver
{
    /// <summary>The shared packed operand is kept under this many floats (128 MiB); a larger one falls back to one part per thread.</summary>
    internal const long SharedPackLimit = 32L << 20;

    /// <summary>Parts per thread: enough for a slow core to hand work to a fast one, few enough to keep parts large.</summary>
    private const int PartsPerThread = 8;

    /// <summary>Fewest MR-row tiles in a part split along M, so that a block of shared B loaded into L2 serves at least this many A panels.</summary>
    private const int MinTilesAlongM = 8;

    /// <summary>A plan for <paramref name="q"/> split as <paramref name="split"/>, or none when the shared buffer would be too large.</summary>
    private static bool TryShared(GemmIsa isa, GemmBlocking blk, in Problem q, Split split)
    {
        long shared = split.AlongN
            ? (long)((q.M + blk.Mr - 1) / blk.Mr) * blk.Mr * q.K
            : (long)((q.N + blk.Nr - 1) / blk.Nr) * blk.Nr * q.K;
        if (q.K == 0 || shared > SharedPackLimit)
        {
            return false;
        }

        var task = SharedTask.ForThisThread();
        task.Set(isa, blk, q, split.AlongN, split.Parts, shared);
        try
        {
            GemmWorkers.Run(task, task.Items, split.Parts);
        }
        finally
        {
            task.Clear();
        }

        return true;
    }

    /// <summary>
    /// Items in claim order, block by block: for each KC block b, first the pieces that pack b's
    /// part of the shared operand, then b's compute items (one range of tiles each). A compute item
    /// waits (spinning) until every piece of its block is packed and the same range's item of the
    /// previous block is done (C accumulates block after block); both were claimed before it, by
    /// threads that are running them, so the waits end. Packing block b + 1 thus overlaps computing
    /// block b on the other threads. A caller that finds the pool busy runs every item in order.
    /// </summary>
    private sealed class SharedTask : IGemmParts
    {
        [ThreadStatic]
        private static SharedTask? _current;

        private readonly SharedBuffer _buffer = new();
        private GemmIsa _isa;
        private GemmBlocking _blk;
        private Problem _p;
        private bool _alongN;
        private int _tiles;
        private int _panelsPerPiece;
        private int _piecesPerBlock;
        private int _ranges;
        private float* _shared;

        /// <summary>Pieces packed, per block.</summary>
        private int[] _packed = [];

        /// <summary>Compute items done: block b, range r at b·ranges + r.</summary>
        private int[] _done = [];

        public int Items { get; private set; }

        public static SharedTask ForThisThread() => _current ??= new SharedTask();

        public void Set(GemmIsa isa, GemmBlocking blk, in Problem p, bool alongN, int threads, long sharedFloats)
        {
            _isa = isa;
            _blk = blk;
            _p = p;
            _alongN = alongN;
            _shared = _buffer.Fit(sharedFloats);

            // Shared operand: panels of the dimension not split (B's NR columns when splitting M,
            // A's MR rows when splitting N), packed a KC block and a few panels per piece.
            int unit = alongN ? blk.Mr : blk.Nr;
            int sharedPanels = ((alongN ? p.M : p.N) + unit - 1) / unit;
            _panelsPerPiece = Math.Max(1, (alongN ? blk.Mc : blk.Nc) / unit);
            _piecesPerBlock = (sharedPanels + _panelsPerPiece - 1) / _panelsPerPiece;

            // Ranges of whole tiles of the split dimension.
            _tiles = alongN ? (p.N + blk.Nr - 1) / blk.Nr : (p.M + blk.Mr - 1) / blk.Mr;
            int minTiles = alongN ? 1 : MinTilesAlongM;
            _ranges = Math.Clamp(_tiles / minTiles, Math.Min(threads, _tiles), PartsPerThread * threads);

            int blocks = (p.K + blk.Kc - 1) / blk.Kc;
            Items = blocks * (_piecesPerBlock + _ranges);
            if (_packed.Length < blocks)
            {
                _packed = new int[blocks];
            }

            if (_done.Length < blocks * _ranges)
            {
                _done = new int[blocks * _ranges];
            }

            Array.Clear(_packed, 0, blocks);
            Array.Clear(_done, 0, blocks * _ranges);
        }

        public void Clear() => _p = default;

        public void Run(int item)
        {
            int perBlock = _piecesPerBlock + _ranges;
            int block = item / perBlock;
            int i = item % perBlock;
            if (i < _piecesPerBlock)
            {
                try
                {
                    Pack(block, i);
                }
                finally
                {
                    Interlocked.Increment(ref _packed[block]);
                }

                return;
            }

            int r = i - _piecesPerBlock;
            Await(ref _packed[block], _piecesPerBlock);
            if (block > 0)
            {
                Await(ref _done[((block - 1) * _ranges) + r], 1);
            }

            try
            {
                int t0 = (int)((long)_tiles * r / _ranges);
                int t1 = (int)((long)_tiles * (r + 1) / _ranges);
                if (_alongN)
                {
                    ComputeColumns(block, Math.Min(t0 * _blk.Nr, _p.N), Math.Min(t1 * _blk.Nr, _p.N));
                }
                else
                {
                    ComputeRows(block, Math.Min(t0 * _blk.Mr, _p.M), Math.Min(t1 * _blk.Mr, _p.M));
                }
            }
            finally
            {
                Volatile.Write(ref _done[(block * _ranges) + r], 1);
            }
        }

        private static void Await(ref int counter, int target)
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref counter) < target)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        /// <summary>One KC block of a group of panels of the shared operand, to its place in the buffer.</summary>
        private void Pack(int block, int group)
        {
            int pc = block * _blk.Kc;
            int kc = Math.Min(_blk.Kc, _p.K - pc);
            if (_alongN)
            {
                int mpad = (_p.M + _blk.Mr - 1) / _blk.Mr * _blk.Mr;
                int i0 = group * _panelsPerPiece * _blk.Mr;
                int rows = Math.Min(_panelsPerPiece * _blk.Mr, _p.M - i0);
                float* a = _p.TransA ? _p.A + ((long)pc * _p.Lda) + i0 : _p.A + ((long)i0 * _p.Lda) + pc;
                GemmPacking.PackA(_p.TransA, a, _p.Lda, rows, kc, _blk.Mr, _shared + ((long)pc * mpad) + ((long)i0 * kc));
            }
            else
            {
                int npad = (_p.N + _blk.Nr - 1) / _blk.Nr * _blk.Nr;
                int j0 = group * _panelsPerPiece * _blk.Nr;
                int cols = Math.Min(_panelsPerPiece * _blk.Nr, _p.N - j0);
                float* b = _p.TransB ? _p.B + ((long)j0 * _p.Ldb) + pc : _p.B + ((long)pc * _p.Ldb) + j0;
                GemmPacking.PackB(_p.TransB, b, _p.Ldb, kc, cols, _blk.Nr, _shared + ((long)pc * npad) + ((long)j0 * kc));
            }
        }

        /// <summary>Rows [i0, i1) of C for one KC block: A packed here a chunk at a time, B from the shared buffer.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ComputeRows(int block, int i0, int i1)
        {
            var blk = _blk;
            int m = i1 - i0;
            int chunks = (m + blk.Mc - 1) / blk.Mc;
            int mcStep = ((m + chunks - 1) / chunks + blk.Mr - 1) / blk.Mr * blk.Mr;
            var ws = Workspace.ForThisThread((long)mcStep * Math.Min(blk.Kc, _p.K), 0);
            float* edge = stackalloc float[blk.Mr * blk.Nr];
            var kernel = Kernel(_isa);
            int npad = (_p.N + blk.Nr - 1) / blk.Nr * blk.Nr;
            int pc = block * blk.Kc;
            int kc = Math.Min(blk.Kc, _p.K - pc);
            float beta = pc == 0 ? _p.Beta : 1f;
            float* shared = _shared + ((long)pc * npad);
            for (int ic = i0; ic < i1; ic += mcStep)
            {
                int mc = Math.Min(mcStep, i1 - ic);
                float* a = _p.TransA ? _p.A + ((long)pc * _p.Lda) + ic : _p.A + ((long)ic * _p.Lda) + pc;
                GemmPacking.PackA(_p.TransA, a, _p.Lda, mc, kc, blk.Mr, ws.A);
                for (int jc = 0; jc < _p.N; jc += blk.Nc)
                {
                    int nc = Math.Min(blk.Nc, _p.N - jc);
                    Macro(kernel, _p, blk.Mr, blk.Nr, kc, beta, ws.A, ic, mc, jc, nc, null, 0, shared + ((long)jc * kc), edge);
                }
            }
        }

        /// <summary>Columns [j0, j1) of C for one KC block: B packed here a block at a time, A from the shared buffer.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ComputeColumns(int block, int j0, int j1)
        {
            var blk = _blk;
            var ws = Workspace.ForThisThread(0, (long)Math.Min(blk.Kc, _p.K) * Math.Min(blk.Nc, (j1 - j0 + blk.Nr - 1) / blk.Nr * blk.Nr));
            float* edge = stackalloc float[blk.Mr * blk.Nr];
            var kernel = Kernel(_isa);
            int mpad = (_p.M + blk.Mr - 1) / blk.Mr * blk.Mr;
            int pc = block * blk.Kc;
            int kc = Math.Min(blk.Kc, _p.K - pc);
            float beta = pc == 0 ? _p.Beta : 1f;
            float* shared = _shared + ((long)pc * mpad);
            for (int jc = j0; jc < j1; jc += blk.Nc)
            {
                int nc = Math.Min(blk.Nc, j1 - jc);
                float* b = _p.TransB ? _p.B + ((long)jc * _p.Ldb) + pc : _p.B + ((long)pc * _p.Ldb) + jc;
                GemmPacking.PackB(_p.TransB, b, _p.Ldb, kc, nc, blk.Nr, ws.B);
                Macro(kernel, _p, blk.Mr, blk.Nr, kc, beta, shared, 0, _p.M, jc, nc, null, 0, ws.B, edge);
            }
        }
    }

    /// <summary>The shared packed operand of one calling thread's parallel calls: pinned, 64-byte aligned, grown but never shrunk.</summary>
    private sealed class SharedBuffer
    {
        private float[] _memory = [];

        public float* Fit(long floats)
        {
            long need = floats + 16;
            if (_memory.Length < need)
            {
                _memory = GC.AllocateUninitializedArray<float>((int)Math.Max(need, _memory.Length + (_memory.Length / 2)), pinned: true);
            }

            float* start = (float*)Unsafe.AsPointer(ref _memory[0]);
            return (float*)(((nint)start + 63) & ~(nint)63);
        }
    }
}

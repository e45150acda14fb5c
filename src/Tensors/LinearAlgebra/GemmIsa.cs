using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>The instruction set a GEMM call runs its microkernel on.</summary>
internal enum GemmIsa
{
    /// <summary><see cref="System.Numerics.Vector{T}"/> with fused multiply-add; runs anywhere.</summary>
    Portable,

    /// <summary>AVX2 with FMA3 (256-bit registers, 16 of them).</summary>
    Avx2,

    /// <summary>AVX-512F (512-bit registers, 32 of them).</summary>
    Avx512,
}

/// <summary>Register-tile and cache-block sizes of one ISA path (all in floats).</summary>
/// <param name="Mr">Rows of the register tile (broadcast from packed A).</param>
/// <param name="Nr">Columns of the register tile (vector loads from packed B).</param>
/// <param name="Kc">Depth of one packed block; a KC×NR panel of B and an MR×KC panel of A stay in L1/L2.</param>
/// <param name="Mc">Most rows of A packed at once; M is cut into equal chunks of at most this many.</param>
/// <param name="Nc">Columns of B packed at once (a multiple of Nr); a KC×NC block stays in L2.</param>
internal readonly record struct GemmBlocking(int Mr, int Nr, int Kc, int Mc, int Nc);

internal static class GemmIsas
{
    /// <summary>Depth of one packed block, the same on every path (see <see cref="Blocking"/>).</summary>
    public const int Kc = 384;

    /// <summary>The fastest path this CPU supports.</summary>
    public static readonly GemmIsa Best =
        Avx512F.IsSupported ? GemmIsa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Avx2
        : GemmIsa.Portable;

    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => Avx512F.IsSupported,
        GemmIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Every path this CPU can run, for tests that force each one.</summary>
    public static IReadOnlyList<GemmIsa> Supported { get; } =
        [.. Enum.GetValues<GemmIsa>().Where(IsSupported)];

    /// <summary>
    /// KC is the same on every path, so every path adds the same products in the same order and
    /// gives the same bits. NC keeps a KC×NC block of packed B within L2 (1 MiB per core on the
    /// Xeon measured; 576 KiB here), smaller on AVX2 machines, whose L2 is often 256 KiB.
    /// </summary>
    public static GemmBlocking Blocking(GemmIsa isa) => Override ?? isa switch
    {
        GemmIsa.Avx512 => new GemmBlocking(6, 64, Kc, 1536, 384),
        GemmIsa.Avx2 => new GemmBlocking(6, 16, Kc, 1536, 128),
        _ => new GemmBlocking(4, 2 * Vector<float>.Count, Kc, 1536, 128),
    };

    /// <summary>For tuning from bench/gemm only: replaces the block sizes of every path.</summary>
    internal static GemmBlocking? Override { get; set; }
}

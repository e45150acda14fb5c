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

    internal static GemmBlocking? Override { get; set; }

    public static GemmBlocking Blocking(GemmIsa isa) => Override ?? isa switch
    {
        GemmIsa.Avx512 => new GemmBlocking(12, 32, 256, 1536, 512),
        GemmIsa.Avx2 => new GemmBlocking(6, 16, 256, 1536, 512),
        _ => new GemmBlocking(4, 2 * Vector<float>.Count, 256, 1536, 512),
    };
}

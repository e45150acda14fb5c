using System.Runtime.CompilerServices;

// bench/gemm/GemmBench times the packing routines and tries block sizes through internals.
[assembly: InternalsVisibleTo("GemmBench")]

using FsCheck;
using FsCheck.Fluent;
using Unlearning.Core.Model;

namespace Unlearning.Properties.Model;

/// <summary>A GPT-2 small enough to check by finite differences, a batch of sequences for it and a seed.</summary>
public sealed record TinyModel(Gpt2Config Config, int Batch, int Length, ulong Seed);

/// <summary>
/// The model laws' values. A <see cref="Gpt2Config"/> here is any candidate configuration, valid or
/// not (sizes from a few below zero up to GPT-2 small's), so that validation is tested on both sides;
/// a <see cref="TinyModel"/> is always valid, with a context of the sequence length plus 0 to 3.
/// Registered with <c>[Properties(Arbitrary = new[] { typeof(ModelArbitraries) })]</c>.
/// </summary>
public static class ModelArbitraries
{
    public static Arbitrary<Gpt2Config> Configs() =>
        (from v in Gen.Choose(-2, 5000)
         from t in Gen.Choose(-2, 1024)
         from heads in Gen.Choose(-1, 16)
         from c in Gen.Choose(-4, 512)
         from layers in Gen.Choose(-1, 12)
         select new Gpt2Config(v, t, c, layers, heads)).ToArbitrary();

    public static Arbitrary<TinyModel> TinyModels() =>
        (from v in Gen.Choose(2, 40)
         from heads in Gen.Choose(1, 3)
         from hs in Gen.Choose(1, 4)
         from layers in Gen.Choose(1, 2)
         from t in Gen.Choose(1, 7)
         from extra in Gen.Choose(0, 3)
         from b in Gen.Choose(1, 3)
         from seed in Gen.Choose(0, int.MaxValue)
         select new TinyModel(new Gpt2Config(v, t + extra, heads * hs, layers, heads), b, t, (ulong)seed)).ToArbitrary();
}

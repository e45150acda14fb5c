using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Tensors.Kernels;

namespace Unlearning.Properties.Kernels;

/// <summary>The float32 exponential of the softmaxes and the GELU against double-precision exp.</summary>
public sealed class VectorMathLaws
{
    /// <summary>Stated in <see cref="VectorMath"/>: about 1 ulp (8.2e-8 measured).</summary>
    private const double Tolerance = 1.5e-7;

    [Fact]
    public void Exp_is_within_one_ulp_of_the_exact_value_over_the_whole_range()
    {
        // Every 97th float bit pattern between −87.33 and 88 (about 10 million of them, both signs).
        var xs = new List<float>();
        for (float x = -87.33f; x < 88f; x = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) + (x < 0 ? -97 : 97)))
        {
            xs.Add(x);
            if (x < 0 && x > -1e-30f)
            {
                x = 0f;
            }
        }

        var input = xs.ToArray();
        var output = new float[input.Length];
        VectorMath.Exp(input, output);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double exact = Math.Exp(input[i]);
            double error = Math.Abs(output[i] - exact) / exact;
            if (error > worst)
            {
                (worst, worstAt) = (error, input[i]);
            }
        }

        Assert.True(worst <= Tolerance, $"relative error {worst:g3} at x = {worstAt:R} over {input.Length} points");
    }

    [Property]
    public Property Exp_of_an_element_does_not_depend_on_where_it_lies_in_the_span() =>
        Prop.ForAll(Gen.Choose(1, 100).ToArbitrary(), Gen.Choose(0, 40).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (length, offset, seed) =>
        {
            var rng = new Random(seed);
            var x = new float[offset + length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)((rng.NextDouble() * 200) - 100);
            }

            var y = new float[length];
            VectorMath.Exp(x.AsSpan(offset, length), y);
            for (int i = 0; i < length; i++)
            {
                if (BitConverter.SingleToInt32Bits(y[i]) != BitConverter.SingleToInt32Bits(VectorMath.Exp(x[offset + i])))
                {
                    return false;
                }
            }

            return true;
        });

    [Fact]
    public void Exp_handles_the_edges_of_float32()
    {
        float[] x = [0f, float.NaN, float.NegativeInfinity, -1000f, -87.34f, float.PositiveInfinity, 1000f, 88f, -0f];
        var vectors = new float[16 * 3];
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i] = x[i % x.Length];
        }

        var y = new float[vectors.Length];
        VectorMath.Exp(vectors, y);
        for (int i = 0; i < vectors.Length; i++)
        {
            float v = vectors[i];
            float expected = float.IsNaN(v) ? float.NaN
                : v < -87.33654f ? 0f
                : v >= 88f ? (float)Math.Exp(88)
                : (float)Math.Exp(v);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(y[i]), $"exp({v}) = {y[i]}, expected NaN");
            }
            else
            {
                Assert.True(Math.Abs(y[i] - expected) <= Tolerance * expected, $"exp({v}) = {y[i]:R}, expected {expected:R}");
            }
        }

        Assert.Equal(1f, VectorMath.Exp(0f));
    }
}

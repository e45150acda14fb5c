using MathNet.Numerics;

namespace Unlearning.Core.Metrics;

/// <summary>
/// The standard normal distribution with the tails kept in log space: <c>Φ(z) = erfc(−z/√2)/2</c>
/// (MathNet's erfc, relative accuracy near machine precision wherever the result is a normal
/// double) and, below z = −20, the asymptotic Mills-ratio series
/// <c>log Φ(z) = log φ(z) − log|z| + log Σ_k (−1)^k (2k−1)!! / z^{2k}</c>, whose first omitted
/// term is below 1e-20 there.
/// </summary>
public static class Normal
{
    /// <summary>½·log(2π).</summary>
    public const double HalfLogTwoPi = 0.91893853320467274178;

    private const double InvSqrt2 = 0.70710678118654752440;

    public static double LogPdf(double z) => (-0.5 * z * z) - HalfLogTwoPi;

    public static double Pdf(double z) => Math.Exp(LogPdf(z));

    /// <summary>Φ(z), the lower tail.</summary>
    public static double Cdf(double z) => 0.5 * SpecialFunctions.Erfc(-z * InvSqrt2);

    /// <summary>1 − Φ(z), the upper tail, without cancellation.</summary>
    public static double Sf(double z) => 0.5 * SpecialFunctions.Erfc(z * InvSqrt2);

    /// <summary>log Φ(z), finite for every finite z.</summary>
    public static double LogCdf(double z)
    {
        if (double.IsNaN(z))
        {
            return double.NaN;
        }

        if (z < -20)
        {
            if (double.IsNegativeInfinity(z))
            {
                return double.NegativeInfinity;
            }

            // Σ_{k=0..12} (−1)^k (2k−1)!! z^{−2k}; the terms shrink while 2k+1 < z² (k < 199 here).
            double w = 1 / (z * z), term = 1, sum = 1;
            for (int k = 1; k <= 12; k++)
            {
                term *= -((2 * k) - 1) * w;
                sum += term;
            }

            return LogPdf(z) - Math.Log(-z) + Math.Log(sum);
        }

        return z < 5 ? Math.Log(Cdf(z)) : Precise.Log1P(-Sf(z));
    }

    /// <summary>The inverse Mills ratio φ(z)/Φ(z), stable for every finite z (≈ −z far in the lower tail).</summary>
    public static double InverseMills(double z) => Math.Exp(LogPdf(z) - LogCdf(z));
}

using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// The skew-normal distribution SN(ξ, ω, α) (Azzalini; SciPy's <c>skewnorm(a=α, loc=ξ, scale=ω)</c>):
/// density <c>2/ω · φ(z) · Φ(αz)</c> with z = (x − ξ)/ω, CDF <c>F(x) = Φ(z) − 2·T(z, α)</c>.
/// </summary>
public sealed record SkewNormal(double Xi, double Omega, double Alpha)
{
    /// <summary>The bound on the fitted shape: |α| ≤ 50 (the MLE of α can run off to ±∞; see docs/metrics.md).</summary>
    public const double MaxShape = 50;

    /// <summary>Below this CDF value the direct formula gives way to the log-space tail integral.</summary>
    internal const double TailSwitch = 1e-5;

    private const double Ln2 = 0.69314718055994530942;

    public double LogPdf(double x)
    {
        double z = (x - Xi) / Omega;
        return Ln2 - Math.Log(Omega) + Normal.LogPdf(z) + Normal.LogCdf(Alpha * z);
    }

    public double Pdf(double x) => Math.Exp(LogPdf(x));

    /// <summary>F(x) in [0, 1].</summary>
    public double Cdf(double x)
    {
        double z = (x - Xi) / Omega;
        double direct = Direct(z, Alpha);
        return direct >= TailSwitch ? Math.Min(1, direct) : Math.Exp(LogTail(z, Alpha));
    }

    /// <summary>log F(x), finite and accurate (relative to F) far into the lower tail.</summary>
    public double LogCdf(double x) => LogCdfStandard((x - Xi) / Omega, Alpha);

    /// <summary>−log2 F(x): the extrapolated exposure of a score x (SPEC §4).</summary>
    public double NegLog2Cdf(double x) => -LogCdf(x) / Ln2;

    /// <summary>log F for the standardized SN(0, 1, α) at z.</summary>
    internal static double LogCdfStandard(double z, double alpha)
    {
        if (double.IsNaN(z) || double.IsNaN(alpha))
        {
            return double.NaN;
        }

        if (double.IsPositiveInfinity(z))
        {
            return 0;
        }

        if (double.IsNegativeInfinity(z))
        {
            return double.NegativeInfinity;
        }

        if (z > 0)
        {
            // 1 − F(z) = Q(z) + 2T(z, α): no cancellation near F = 1.
            return Precise.Log1P(-Math.Min(1, Normal.Sf(z) + (2 * OwensT.T(z, alpha))));
        }

        double direct = Direct(z, alpha);
        return direct >= TailSwitch ? Math.Log(direct) : LogTail(z, alpha);
    }

    private static double Direct(double z, double alpha) => Math.Max(0, Normal.Cdf(z) - (2 * OwensT.T(z, alpha)));

    /// <summary>
    /// log F(z) = log f(z) + log ∫_0^∞ exp(log f(z − u) − log f(z)) du for z left of the mode, with
    /// log f(t) = log 2 + log φ(t) + log Φ(αt) evaluated in log space, so nothing underflows however
    /// far z lies in the tail. The integrand falls at rate κ = −z + α·φ(αz)/Φ(αz) at u = 0 (faster
    /// beyond), so panels [0, s], [s, 2s], [2s, 4s], … with s = 1/κ, each 20-point Gauss–Legendre,
    /// until a panel adds less than 1e-18 of the total.
    /// </summary>
    private static double LogTail(double z, double alpha)
    {
        double logF0 = Ln2 + Normal.LogPdf(z) + Normal.LogCdf(alpha * z);
        double kappa = -z + (alpha * Normal.InverseMills(alpha * z));
        double s = 1 / Math.Max(kappa, 0.05);
        var state = (z, alpha, logF0);
        double total = GaussLegendre.Panel(Integrand, state, 0, s);
        double lo = s;
        for (int panel = 0; panel < 80; panel++)
        {
            double hi = 2 * lo;
            double part = GaussLegendre.Panel(Integrand, state, lo, hi);
            total += part;
            if (part <= 1e-18 * total)
            {
                break;
            }

            lo = hi;
        }

        return logF0 + Math.Log(total);

        static double Integrand(double u, (double Z, double Alpha, double LogF0) p)
        {
            double t = p.Z - u;
            return Math.Exp(Ln2 + Normal.LogPdf(t) + Normal.LogCdf(p.Alpha * t) - p.LogF0);
        }
    }

    /// <summary>Maximum-likelihood fit to a population's scores; see <see cref="SkewNormalFit"/>.</summary>
    public static Either<InputError, SkewNormalFit> Fit(Population population) =>
        SkewNormalFit.Of(population.Source, population.Bits);

    /// <summary>Maximum-likelihood fit to raw scores, named by <paramref name="source"/> in errors.</summary>
    public static Either<InputError, SkewNormalFit> Fit(IReadOnlyList<double> scores, string source) =>
        SkewNormalFit.Of(source, scores);
}

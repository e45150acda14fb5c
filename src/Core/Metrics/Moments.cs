namespace Unlearning.Core.Metrics;

/// <summary>
/// Count, mean and the second and third central sums (M2 = Σ(x−x̄)², M3 = Σ(x−x̄)³) as a fold:
/// <see cref="Empty"/>, <see cref="Add"/>, <see cref="Merge"/> (Chan, Golub and LeVeque's pairwise
/// update; Pébay 2008 for M3). Merge is associative up to floating-point rounding (relative 1e-12
/// in the tests), with Empty as an exact identity.
/// </summary>
public readonly record struct Moments(long Count, double Mean, double M2, double M3)
{
    public static Moments Empty => default;

    public double Variance => Count > 0 ? M2 / Count : double.NaN;

    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Sample skewness g1 = (M3/n) / (M2/n)^{3/2} (the biased estimator).</summary>
    public double Skewness => Count > 0 && M2 > 0 ? M3 / Count / Math.Pow(M2 / Count, 1.5) : double.NaN;

    public static Moments Add(Moments a, double x) => Merge(a, new Moments(1, x, 0, 0));

    public static Moments Merge(Moments a, Moments b)
    {
        if (a.Count == 0)
        {
            return b;
        }

        if (b.Count == 0)
        {
            return a;
        }

        double na = a.Count, nb = b.Count, n = na + nb;
        double d = b.Mean - a.Mean, dn = d / n;
        double mean = (na * a.Mean + nb * b.Mean) / n;
        double m2 = a.M2 + b.M2 + (d * dn * na * nb);
        double m3 = a.M3 + b.M3 + (d * dn * dn * na * nb * (na - nb)) + (3 * dn * ((na * b.M2) - (nb * a.M2)));
        return new Moments(a.Count + b.Count, mean, m2, m3);
    }

    public static Moments Of(IEnumerable<double> xs) => xs.Aggregate(Empty, Add);
}

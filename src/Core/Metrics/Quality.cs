namespace Unlearning.Core.Metrics;

/// <summary>
/// Excess exposure and unlearning quality (SPEC §5). The exposures are whichever kind drives quality
/// (rank by default, extrapolated when configured), all three of the same kind.
/// </summary>
public static class Quality
{
    /// <summary>Δ0 = E0 − Eref, bits.</summary>
    public static double ExcessExposure(double e0, double eref) => e0 - eref;

    /// <summary>Memorized when Δ0 &gt; τ (a negative τ counts as 0, so Δ0 is always positive when memorized).</summary>
    public static bool IsMemorized(double e0, double eref, double tau) => e0 - eref > Math.Max(0, tau);

    /// <summary>
    /// Q_t = (E0 − Et)/Δ0, or null when x is not memorized (Δ0 ≤ τ). Exact at the two anchors:
    /// Q = 0 when Et = E0, and Q = 1 exactly when Et = Eref; when Et ≠ Eref but the quotient rounds to 1,
    /// the neighbouring double on the side of sign(Eref − Et) is returned, so Q &gt; 1 (over-unlearned)
    /// and Q &lt; 1 are never confused by rounding. Non-finite exposures give NaN.
    /// </summary>
    public static double? At(double e0, double eref, double et, double tau)
    {
        if (!IsMemorized(e0, eref, tau))
        {
            return double.IsFinite(e0) && double.IsFinite(eref) ? null : double.NaN;
        }

        if (et == eref)
        {
            return 1;
        }

        double q = (e0 - et) / (e0 - eref);
        if (q == 1)
        {
            return et < eref ? Math.BitIncrement(1.0) : Math.BitDecrement(1.0);
        }

        return q;
    }

    /// <summary>Overshoot max(0, Eref − Et) at t*.</summary>
    public static double Overshoot(double eref, double et) => Math.Max(0, eref - et);
}

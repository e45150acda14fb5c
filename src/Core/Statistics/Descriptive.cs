namespace Unlearning.Core.Statistics;

/// <summary>Order statistics of a finite sample: median and quartiles (linear interpolation, as NumPy).</summary>
public static class Descriptive
{
    /// <summary>The q-quantile, q ∈ [0, 1], of the non-NaN values; NaN for an empty sample.</summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return Samples.Quantile(sorted, q);
    }

    public static double Median(IEnumerable<double> values) => Quantile(values, 0.5);

    /// <summary>(Q1, median, Q3) in one sort.</summary>
    public static (double Q1, double Median, double Q3) Quartiles(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return (Samples.Quantile(sorted, 0.25), Samples.Quantile(sorted, 0.5), Samples.Quantile(sorted, 0.75));
    }
}

namespace Unlearning.Core.Metrics;

/// <summary>
/// A sum of doubles kept exactly, in units of 2^−48 in an Int128: each term is rounded once to the
/// nearest unit (|error| ≤ 1.8e-15), after which addition is exact, so folds built on it are
/// associative and order-independent bit for bit. Terms must satisfy |x| ≤ 1e6 (then 6·10^17 terms
/// fit); the folds count any other term as rejected instead of adding it.
/// </summary>
public readonly record struct FixedSum(Int128 Units)
{
    public const double Limit = 1e6;

    private const double Scale = 281474976710656.0; // 2^48

    public static bool Accepts(double x) => double.IsFinite(x) && Math.Abs(x) <= Limit;

    public static FixedSum Of(double x) => new((Int128)Math.Round(x * Scale));

    public static FixedSum operator +(FixedSum a, FixedSum b) => new(a.Units + b.Units);

    public double Value => (double)Units / Scale;
}

namespace Unlearning.Core.Metrics;

/// <summary>
/// log(1+x) and exp(x)−1 accurate for small x (Kahan's tricks: the rounding of 1+x is undone by the
/// ratio x/(u−1)); .NET's <c>double.LogP1</c>/<c>ExpM1</c> compute log(x+1) and exp(x)−1 naively.
/// </summary>
internal static class Precise
{
    public static double Log1P(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1)
        {
            return x;
        }

        double um1 = u - 1;
        return um1 == -1 ? -1 : double.IsPositiveInfinity(u) ? u : um1 * x / Math.Log(u);
    }
}

namespace Unlearning.Core.Metrics;

/// <summary>
/// 20-point Gauss–Legendre quadrature on one panel: exact for polynomials of degree 39; on a panel
/// where the integrand is analytic in a Bernstein ellipse of parameter ρ the error is O(ρ^−40).
/// Nodes and weights are computed once by Newton's method on P₂₀ (to machine precision).
/// </summary>
internal static class GaussLegendre
{
    private const int Points = 20;

    private static readonly (double[] Nodes, double[] Weights) Rule = Build();

    /// <summary>∫_a^b f(x) dx on one panel.</summary>
    public static double Panel<TState>(Func<double, TState, double> f, TState state, double a, double b)
    {
        double mid = 0.5 * (a + b), half = 0.5 * (b - a), sum = 0;
        var (nodes, weights) = Rule;
        for (int i = 0; i < Points; i++)
        {
            sum += weights[i] * f(mid + (half * nodes[i]), state);
        }

        return sum * half;
    }

    private static (double[] Nodes, double[] Weights) Build()
    {
        var nodes = new double[Points];
        var weights = new double[Points];
        for (int i = 0; i < (Points + 1) / 2; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (Points + 0.5)), dp = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                // Three-term recurrence: j·P_j = (2j−1)·x·P_{j−1} − (j−1)·P_{j−2}.
                double p0 = 1, p1 = x;
                for (int j = 2; j <= Points; j++)
                {
                    double p2 = ((((2 * j) - 1) * x * p1) - ((j - 1) * p0)) / j;
                    p0 = p1;
                    p1 = p2;
                }

                dp = Points * ((x * p1) - p0) / ((x * x) - 1);
                double dx = p1 / dp;
                x -= dx;
                if (Math.Abs(dx) < 1e-16)
                {
                    break;
                }
            }

            nodes[i] = -x;
            nodes[Points - 1 - i] = x;
            weights[i] = weights[Points - 1 - i] = 2 / ((1 - (x * x)) * dp * dp);
        }

        return (nodes, weights);
    }
}

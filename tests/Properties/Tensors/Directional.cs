using Unlearning.Tensors.Randomness;

namespace Unlearning.Properties.Kernels;

/// <summary>
/// Finite-difference check of a gradient along a random direction u (all coordinates at once):
/// (L(x + h·u) − L(x − h·u)) / 2h against ⟨∇L, u⟩. Central differences have O(h²) truncation
/// error; float32 evaluation adds about 1e-7·|L|/h of rounding, hence h = 1e-2 and the tolerance.
/// </summary>
internal static class Directional
{
    public static (double Numeric, double Analytic) Compare(float[] x, float[] grad, Func<double> loss, ulong seed, double h = 1e-2)
    {
        var rng = new GaussianRng(seed);
        var u = new float[x.Length];
        rng.FillNormal(u, 0, 1);
        double analytic = 0;
        for (int i = 0; i < x.Length; i++)
        {
            analytic += (double)grad[i] * u[i];
        }

        var saved = (float[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(saved[i] + (h * u[i]));
        }

        double plus = loss();
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(saved[i] - (h * u[i]));
        }

        double minus = loss();
        saved.CopyTo(x, 0);
        return ((plus - minus) / (2 * h), analytic);
    }

    /// <summary>
    /// Richardson extrapolation of the central difference, (4·D(h/2) − D(h))/3, whose truncation
    /// error is O(h⁴): for strongly curved functions (a LayerNorm over 3 channels) where D(h)'s
    /// O(h²) error alone exceeds the tolerance.
    /// </summary>
    public static (double Numeric, double Analytic) CompareRichardson(float[] x, float[] grad, Func<double> loss, ulong seed, double h)
    {
        var coarse = Compare(x, grad, loss, seed, h);
        var fine = Compare(x, grad, loss, seed, h / 2);
        return (((4 * fine.Numeric) - coarse.Numeric) / 3, fine.Analytic);
    }

    /// <summary>Numeric and analytic agree within rel·max(|a|, |n|) + abs.</summary>
    public static bool Agree((double Numeric, double Analytic) d, double rel = 2e-2, double abs = 2e-3) =>
        Math.Abs(d.Numeric - d.Analytic) <= (rel * Math.Max(Math.Abs(d.Numeric), Math.Abs(d.Analytic))) + abs;

    public static float[] Normal(GaussianRng rng, int n, double std = 1)
    {
        var x = new float[n];
        rng.FillNormal(x, 0, std);
        return x;
    }

    public static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }
}

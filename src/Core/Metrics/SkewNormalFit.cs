using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// A skew-normal fitted by maximum likelihood to one population's scores under one model. Fit it
/// once per (population, model) and reuse it for every forget example scored by that model.
/// <see cref="AtShapeBound"/> says the MLE of α ran to the bound |α| = <see cref="SkewNormal.MaxShape"/>
/// (a half-normal-like sample, where the unbounded MLE does not exist).
/// </summary>
public sealed record SkewNormalFit(string Source, SkewNormal Distribution, int Count, double LogLikelihood, int Iterations, bool AtShapeBound)
{
    /// <summary>
    /// The fit. Scores are standardized (mean 0, sd 1) first; the negative mean log-likelihood of
    /// SN(ξ, ω, α) is minimized over (ξ, log ω, β) with α = 50·tanh(β) (which keeps |α| ≤ 50) by
    /// BFGS with analytic gradients and an Armijo backtracking line search, from four starts: the
    /// method-of-moments estimate (sample skewness clamped inside the skew-normal's range) and
    /// α ∈ {−3, 0, 3} with ξ, ω matching the sample mean and sd. The best likelihood wins.
    /// </summary>
    internal static Either<InputError, SkewNormalFit> Of(string source, IReadOnlyList<double> scores)
    {
        string where = Checks.OfPopulation(source);
        if (scores.Count < 3)
        {
            return new InputError(where, "size", "at least 3 scores to fit a skew-normal", scores.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (int i = 0; i < scores.Count; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                return new InputError(where, $"score {i}", "a finite number", Checks.Show(scores[i]));
            }
        }

        var moments = Moments.Of(scores);
        double sd = moments.StandardDeviation;
        if (!(sd > 1e-12 * Math.Max(1, Math.Abs(moments.Mean))))
        {
            return new InputError(where, "scores", "scores that are not all equal (a skew-normal needs spread)", $"all {Checks.Show(moments.Mean)}");
        }

        var z = new double[scores.Count];
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = (scores[i] - moments.Mean) / sd;
        }

        double skew = Math.Clamp(moments.Skewness, -0.99, 0.99) * MaxSkew;
        var starts = new[] { MethodOfMoments(skew), Matching(-3), Matching(0), Matching(3) };
        var best = Bfgs(z, starts[0]);
        foreach (var start in starts.Skip(1))
        {
            var run = Bfgs(z, start);
            if (run.F < best.F)
            {
                best = run;
            }
        }

        double xi = moments.Mean + (sd * best.X[0]);
        double omega = sd * Math.Exp(best.X[1]);
        double alpha = SkewNormal.MaxShape * Math.Tanh(best.X[2]);
        double logLikelihood = (-best.F * z.Length) - (z.Length * Math.Log(sd));
        return new SkewNormalFit(source, new SkewNormal(xi, omega, alpha), z.Length, logLikelihood, best.Iterations, Math.Abs(alpha) > 0.99 * SkewNormal.MaxShape);
    }

    /// <summary>The largest skewness a skew-normal reaches (α → ∞): √2(4−π)/(π−2)^{3/2}.</summary>
    private const double MaxSkew = 0.99527174643993;

    /// <summary>Azzalini's moment inversion for standardized data (mean 0, sd 1) with skewness γ.</summary>
    private static double[] MethodOfMoments(double gamma)
    {
        double g = Math.Pow(Math.Abs(gamma), 2.0 / 3);
        double delta = Math.Sign(gamma) * Math.Sqrt(Math.PI / 2 * g / (g + Math.Pow((4 - Math.PI) / 2, 2.0 / 3)));
        return FromDelta(Math.Min(0.999, Math.Abs(delta)) * Math.Sign(delta));
    }

    private static double[] Matching(double alpha) => FromDelta(alpha / Math.Sqrt(1 + (alpha * alpha)));

    /// <summary>(ξ, log ω, β) with mean 0 and sd 1 for δ = α/√(1+α²).</summary>
    private static double[] FromDelta(double delta)
    {
        double alpha = delta / Math.Sqrt(1 - (delta * delta));
        double omega = 1 / Math.Sqrt(1 - (2 * delta * delta / Math.PI));
        double xi = -omega * delta * Math.Sqrt(2 / Math.PI);
        return [xi, Math.Log(omega), Math.Atanh(Math.Clamp(alpha / SkewNormal.MaxShape, -0.999, 0.999))];
    }

    /// <summary>
    /// Negative mean log-likelihood f = log ω − log 2 + mean[z²/2 + ½log 2π − log Φ(αz)] (z = (x−ξ)/ω)
    /// and its gradient in (ξ, η = log ω, β): with r = φ(αz)/Φ(αz),
    /// ∂f/∂ξ = mean[−z + αr]/ω, ∂f/∂η = 1 + mean[−z² + αrz], ∂f/∂β = mean[−rz]·50(1 − tanh²β).
    /// </summary>
    private static double Objective(double[] x, double[] data, double[]? gradient)
    {
        double xi = x[0], eta = x[1], th = Math.Tanh(x[2]);
        double omega = Math.Exp(eta), alpha = SkewNormal.MaxShape * th;
        double sum = 0, gXi = 0, gEta = 0, gAlpha = 0;
        foreach (double v in data)
        {
            double z = (v - xi) / omega;
            double logPhi = Normal.LogCdf(alpha * z);
            sum += (0.5 * z * z) - logPhi;
            if (gradient is not null)
            {
                double r = Math.Exp(Normal.LogPdf(alpha * z) - logPhi);
                gXi += -z + (alpha * r);
                gEta += (-z * z) + (alpha * r * z);
                gAlpha += -r * z;
            }
        }

        int n = data.Length;
        if (gradient is not null)
        {
            gradient[0] = gXi / n / omega;
            gradient[1] = 1 + (gEta / n);
            gradient[2] = gAlpha / n * SkewNormal.MaxShape * (1 - (th * th));
        }

        return eta - Math.Log(2) + Normal.HalfLogTwoPi + (sum / n);
    }

    private static (double[] X, double F, int Iterations) Bfgs(double[] data, double[] start)
    {
        const int Dim = 3;
        var x = (double[])start.Clone();
        var g = new double[Dim];
        double f = Objective(x, data, g);
        var h = Identity();
        var xNew = new double[Dim];
        var gNew = new double[Dim];
        int iteration = 0, stalls = 0;
        for (; iteration < 500; iteration++)
        {
            if (g.Max(Math.Abs) < 1e-11)
            {
                break;
            }

            var p = new double[Dim];
            for (int i = 0; i < Dim; i++)
            {
                for (int j = 0; j < Dim; j++)
                {
                    p[i] -= h[i, j] * g[j];
                }
            }

            double slope = Dot(g, p);
            if (!(slope < 0))
            {
                h = Identity();
                for (int i = 0; i < Dim; i++)
                {
                    p[i] = -g[i];
                }

                slope = Dot(g, p);
            }

            // Keep a step in log ω or β from jumping out of the region where tanh and exp are tame.
            double longest = p.Max(Math.Abs);
            double t = longest > 1 ? 1 / longest : 1;
            double fNew = double.NaN;
            bool accepted = false;
            for (int k = 0; k < 60; k++)
            {
                for (int i = 0; i < Dim; i++)
                {
                    xNew[i] = x[i] + (t * p[i]);
                }

                fNew = Objective(xNew, data, gNew);
                if (fNew <= f + (1e-4 * t * slope))
                {
                    accepted = true;
                    break;
                }

                t *= 0.5;
            }

            if (!accepted)
            {
                break;
            }

            var s = new double[Dim];
            var y = new double[Dim];
            for (int i = 0; i < Dim; i++)
            {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
            }

            double sy = Dot(s, y);
            if (sy > 1e-300)
            {
                // H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ, ρ = 1/(yᵀs).
                double rho = 1 / sy;
                var hy = new double[Dim];
                for (int i = 0; i < Dim; i++)
                {
                    for (int j = 0; j < Dim; j++)
                    {
                        hy[i] += h[i, j] * y[j];
                    }
                }

                double yhy = Dot(y, hy);
                for (int i = 0; i < Dim; i++)
                {
                    for (int j = 0; j < Dim; j++)
                    {
                        h[i, j] += (-rho * ((hy[i] * s[j]) + (s[i] * hy[j]))) + (((rho * rho * yhy) + rho) * s[i] * s[j]);
                    }
                }
            }

            stalls = f - fNew <= 1e-16 * Math.Max(1, Math.Abs(f)) ? stalls + 1 : 0;
            Array.Copy(xNew, x, Dim);
            Array.Copy(gNew, g, Dim);
            f = fNew;
            if (stalls >= 5)
            {
                break;
            }
        }

        return (x, f, iteration);

        static double Dot(double[] a, double[] b) => (a[0] * b[0]) + (a[1] * b[1]) + (a[2] * b[2]);

        static double[,] Identity() => new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
    }
}

using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>Seeded draws for the metric tests.</summary>
internal static class Samples
{
    /// <summary>Standard normals by Box–Muller from a seeded System.Random.</summary>
    public static double[] Normals(Random rng, int n)
    {
        var z = new double[n];
        for (int i = 0; i < n; i += 2)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1));
            z[i] = r * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < n)
            {
                z[i + 1] = r * Math.Sin(2 * Math.PI * u2);
            }
        }

        return z;
    }

    /// <summary>SN(ξ, ω, α) draws: ξ + ω(δ|U0| + √(1−δ²)U1), δ = α/√(1+α²) (Azzalini's representation).</summary>
    public static double[] SkewNormal(Random rng, int n, double xi, double omega, double alpha)
    {
        double delta = alpha / Math.Sqrt(1 + (alpha * alpha));
        var u0 = Normals(rng, n);
        var u1 = Normals(rng, n);
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = xi + (omega * ((delta * Math.Abs(u0[i])) + (Math.Sqrt(1 - (delta * delta)) * u1[i])));
        }

        return x;
    }

    public static Population PopulationOf(string source, IEnumerable<double> bits) =>
        Population.Of(source, bits.Select((b, i) => new ExampleScore($"{source}-p{i}", source, b)))
            .IfLeft(e => throw new InvalidOperationException(e.ToString()));

    public static T Right<T>(LanguageExt.Either<Unlearning.Core.Errors.InputError, T> e) =>
        e.Match(v => v, l => throw new InvalidOperationException(l.ToString()));

    public static Unlearning.Core.Errors.InputError Left<T>(LanguageExt.Either<Unlearning.Core.Errors.InputError, T> e) =>
        e.Match(v => throw new InvalidOperationException($"expected an error, found {v}"), l => l);
}

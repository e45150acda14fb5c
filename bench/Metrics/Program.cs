using System.Diagnostics;
using System.Globalization;
using Unlearning.Core.Metrics;

// What the pipeline pays per call: fitting one population (n = 256, once per population per model),
// then rank and extrapolated exposure of one forget example against it (every example, every step).
// Usage: dotnet run -c Release --project bench/Metrics [population size]
int n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
var rng = new Random(42);
var scores = Draw(rng, n, 180, 25, 3);
var population = Population.Of("brown", scores.Select((b, i) => new ExampleScore($"p{i}", "brown", b)))
    .IfLeft(e => throw new InvalidOperationException(e.ToString()));
var fit = SkewNormal.Fit(population).IfLeft(e => throw new InvalidOperationException(e.ToString()));
var examples = Draw(rng, 1000, 150, 25, 3).Select((b, i) => new ExampleScore($"f{i}", "brown", b)).ToArray();

Report($"SkewNormal.Fit, n = {n}", 20, _ => SkewNormal.Fit(population));
Report("Exposure.Rank, one example", 200_000, i => Exposure.Rank(examples[i % examples.Length], population));
Report("Exposure.Extrapolated, one example (body and tail)", 50_000, i => Exposure.Extrapolated(examples[i % examples.Length], fit));
Report("Exposure.Extrapolated, deep tail (z ≈ −12)", 50_000, i => Exposure.Extrapolated(new ExampleScore("f", "brown", fit.Distribution.Xi - (12 * fit.Distribution.Omega)), fit));
Report("OwensT.T(h, a), h in [0, 5), a in [0, 3)", 200_000, i => OwensT.T((i % 500) / 100.0, (i % 300) / 100.0));
Console.WriteLine($"fit: {fit.Distribution}, {fit.Iterations} BFGS iterations, log L {fit.LogLikelihood:F3}");

static void Report(string what, int reps, Action<int> body)
{
    for (int i = 0; i < Math.Min(reps, 1000); i++)
    {
        body(i);
    }

    var sw = Stopwatch.StartNew();
    for (int i = 0; i < reps; i++)
    {
        body(i);
    }

    double us = sw.Elapsed.TotalMilliseconds * 1000 / reps;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-55} {us,12:F3} µs/call  ({reps} calls)"));
}

static double[] Draw(Random rng, int count, double xi, double omega, double alpha)
{
    double delta = alpha / Math.Sqrt(1 + (alpha * alpha));
    var x = new double[count];
    for (int i = 0; i < count; i++)
    {
        x[i] = xi + (omega * ((delta * Math.Abs(Gauss(rng))) + (Math.Sqrt(1 - (delta * delta)) * Gauss(rng))));
    }

    return x;
}

static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

using System.Globalization;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>The metric errors, worded once: every one names the example and its source.</summary>
internal static class Checks
{
    public static string Show(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    public static string Example(string id, string source) => $"example {id} (source {source})";

    public static string OfPopulation(string source) => $"population of source {source}";

    public static InputError WrongSource(ExampleScore x, string populationSource) =>
        new(Example(x.ExampleId, x.Source), "population", $"the population of source {x.Source}", $"the population of source {populationSource}");

    public static InputError EmptyPopulation(ExampleScore x, string populationSource) =>
        new(Example(x.ExampleId, x.Source), "population", "at least one population example", $"an empty population of source {populationSource}");
}

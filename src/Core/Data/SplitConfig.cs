using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;
using static LanguageExt.Prelude;

namespace Unlearning.Core.Data;

/// <summary>How a source's documents are given their roles (forget/training, population, validation).</summary>
public enum DocumentRoles
{
    /// <summary>A seeded shuffle of the documents; the first fraction holds the population, the next the
    /// validation set, the rest are training (ID) or forget candidates (OOD). Many examples per document.</summary>
    Fraction,

    /// <summary>One example per document (its first L tokens): the first P shuffled documents are the
    /// population, the next V validation, the rest forget candidates. For canaries.</summary>
    OnePerDocument,
}

/// <summary>
/// What one source contributes. For the ID source (<c>brown</c>) <paramref name="Forget"/> is |F_id| (drawn
/// from D_train); for an OOD source it is |F_ood,s|. Each forget example appears <paramref name="Repeats"/>
/// times in the base model's training data (F_id: copies beyond the first are duplicates), unless the split's
/// repeat levels assign it one.
/// </summary>
public sealed record SourcePlan(
    string Source,
    int Forget,
    int Repeats,
    int Population,
    int Validation,
    DocumentRoles Roles = DocumentRoles.Fraction,
    double PopulationDocuments = 0.1,
    double ValidationDocuments = 0.1);

/// <summary>
/// Sizes of every example set of SPEC §1. <paramref name="Length"/> is L (tokens per example);
/// <paramref name="Train"/> is |D_train| (F_id included), or null for every window of the ID training documents.
/// <paramref name="RepeatLevels"/>, when not empty, is a repeat design: forget example k of each source (in the
/// seeded order) gets level k mod m, so every source holds the levels in the same proportions.
/// </summary>
public sealed record SplitConfig(int Length, int? Train, IReadOnlyList<SourcePlan> Sources, IReadOnlyList<int>? RepeatLevels = null)
{
    /// <summary>SPEC's defaults: L = 64, all ID training windows, 32 forget candidates per source, the same r = 4
    /// for every source, populations of 256, validation sets of 128.</summary>
    public static SplitConfig Default { get; } = new(64, null,
    [
        new SourcePlan(Data.Sources.Brown, 32, 4, 256, 128),
        new SourcePlan(Data.Sources.Code, 32, 4, 256, 128),
        new SourcePlan(Data.Sources.Spam, 32, 4, 256, 128),
        new SourcePlan(Data.Sources.Canary, 32, 4, 256, 128, DocumentRoles.OnePerDocument),
    ]);

    /// <summary>The levels of the repeat design; empty when each source's own repeats apply.</summary>
    public IReadOnlyList<int> Levels => RepeatLevels ?? [];

    /// <summary>How often forget example number <paramref name="k"/> (0-based, in the seeded order) of <paramref name="plan"/> is seen by θ0.</summary>
    public int RepeatsOf(SourcePlan plan, int k) => Levels.Count > 0 ? Levels[k % Levels.Count] : plan.Repeats;

    public SourcePlan? Plan(string source) => Sources.FirstOrDefault(p => p.Source == source);

    /// <summary>How many canaries to generate for a <see cref="DocumentRoles.OnePerDocument"/> plan: F + P + V.</summary>
    public static int DocumentsNeeded(SourcePlan plan) => plan.Forget + plan.Population + plan.Validation;

    /// <summary>Checks every field; the error names it (<c>split.sources[code].population</c>).</summary>
    public Either<InputError, SplitConfig> Validate()
    {
        static string S(double x) => x.ToString(CultureInfo.InvariantCulture);
        if (Length < 1)
        {
            return new InputError("configuration", "split.length", "at least 1 token", S(Length));
        }

        if (Train is < 0)
        {
            return new InputError("configuration", "split.train", "a count ≥ 0, or null for all", S(Train.Value));
        }

        if (Plan(Data.Sources.Brown) is null)
        {
            return new InputError("configuration", "split.sources", $"the ID source \"{Data.Sources.Brown}\"", string.Join(", ", Sources.Select(p => p.Source)));
        }

        var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Sources)
        {
            var at = $"split.sources[{p.Source}]";
            if (!Data.Sources.All.Contains(p.Source))
            {
                return new InputError("configuration", at, $"a known source ({string.Join(", ", Data.Sources.All)})", $"\"{p.Source}\"");
            }

            if (!seen.Add(p.Source))
            {
                return new InputError("configuration", at, "each source once", "twice");
            }

            if (p.Forget < 0 || p.Population < 0 || p.Validation < 0)
            {
                return new InputError("configuration", $"{at}.forget/population/validation", "counts ≥ 0", $"{p.Forget}/{p.Population}/{p.Validation}");
            }

            if (p.Repeats < 1)
            {
                return new InputError("configuration", $"{at}.repeats", "at least 1", S(p.Repeats));
            }

            if (Levels.Count > 0 && p.Forget > 0 && Levels.Count > p.Forget)
            {
                return new InputError(
                    "configuration", "split.repeat_levels",
                    $"at most {p.Forget} levels: {at}.forget holds {p.Forget} examples and each level needs at least one per source", $"{Levels.Count} levels");
            }

            if (p.PopulationDocuments is < 0 or >= 1 || p.ValidationDocuments is < 0 or >= 1 || p.PopulationDocuments + p.ValidationDocuments >= 1)
            {
                return new InputError(
                    "configuration", $"{at}.population_documents/validation_documents", "fractions in [0, 1) with a sum below 1",
                    $"{S(p.PopulationDocuments)}/{S(p.ValidationDocuments)}");
            }

            if (Data.Sources.IsInDistribution(p.Source) && p.Roles != DocumentRoles.Fraction)
            {
                return new InputError("configuration", $"{at}.roles", "fraction for the ID source", p.Roles.ToString());
            }
        }

        if (Levels.Any(l => l < 1))
        {
            return new InputError("configuration", "split.repeat_levels", "levels of at least 1 (times a forget example is seen)", S(Levels.First(l => l < 1)));
        }

        if (Train is { } train && train < Plan(Data.Sources.Brown)!.Forget)
        {
            return new InputError("configuration", "split.train", $"at least split.sources[brown].forget ({Plan(Data.Sources.Brown)!.Forget}): F_id is drawn from D_train", S(train));
        }

        return Right<InputError, SplitConfig>(this);
    }
}

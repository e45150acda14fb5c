namespace Unlearning.Core.Experiment;

// The intermediate records a run folder keeps between stages (JSON), so that a stage can be resumed
// without recomputing the ones before it. The final tables are built from them (SPEC §9).

/// <summary>One example of the example sets as data/examples.json stores it.</summary>
public sealed record StoredExample(string Id, string Source, string Set, int Repeats, int[] Tokens);

/// <summary>data/examples.json: the tokenizer's size and BOS, and every example in the order the data stage made them.</summary>
public sealed record StoredExamples(int VocabSize, int Bos, IReadOnlyList<StoredExample> Examples)
{
    public const string Train = "train";
    public const string ForgetId = "forget_id";
    public const string ForgetOod = "forget_ood";
    public const string Population = "population";
    public const string Validation = "validation";

    public IEnumerable<StoredExample> Of(string set) => Examples.Where(e => e.Set == set);

    public IEnumerable<StoredExample> Of(string set, string source) => Examples.Where(e => e.Set == set && e.Source == source);

    /// <summary>θ0's training data: D_train ∪ F_ood, every forget example (ID or OOD) Repeats times.</summary>
    public IReadOnlyList<int[]> BaseTraining() =>
        [.. Examples.Where(e => e.Set is Train or ForgetId).Select(e => e.Tokens),
         .. Of(ForgetId).SelectMany(e => Enumerable.Repeat(e.Tokens, e.Repeats - 1)),
         .. Of(ForgetOod).SelectMany(e => Enumerable.Repeat(e.Tokens, e.Repeats))];

    /// <summary>θref's training data: D_train \ F_id, without F_ood.</summary>
    public IReadOnlyList<int[]> ReferenceTraining() => [.. Of(Train).Select(e => e.Tokens)];

    /// <summary>F_id then F_ood, in the data stage's order.</summary>
    public IReadOnlyList<ForgetCandidate> ForgetCandidates() =>
        [.. Examples.Where(e => e.Set is ForgetId or ForgetOod).Select(e => new ForgetCandidate(e.Id, e.Source))];
}

/// <summary>One training step of θ0 or a θref: curves/&lt;model&gt;.parquet.</summary>
public sealed record TrainingCurveRow
{
    /// <summary>base, reference, reference-1, …</summary>
    public required string Model { get; init; }

    /// <summary>Optimizer step, 1-based (the loss is the one of the batch that step used).</summary>
    public required int Step { get; init; }

    /// <summary>Mean token NLL of the step's batch, nats/token.</summary>
    public required double Loss { get; init; }

    public required double LearningRate { get; init; }

    /// <summary>Global gradient norm before clipping.</summary>
    public required double GradNorm { get; init; }
}

/// <summary>
/// A source's population scores under θ0 and each θref (bits), in the ids' order, with each member's
/// membership statistics under the same models (null where undefined).
/// </summary>
public sealed record StoredPopulation(
    IReadOnlyList<string> Ids,
    IReadOnlyList<double> BitsBase,
    IReadOnlyList<IReadOnlyList<double>> BitsRef,
    IReadOnlyList<MembershipTriple?> MembershipBase,
    IReadOnlyList<IReadOnlyList<MembershipTriple?>> MembershipRef);

/// <summary>A forget example's membership statistics under θ0 and each θref.</summary>
public sealed record StoredMembership(MembershipTriple? Base, IReadOnlyList<MembershipTriple?> Ref);

/// <summary>Utility of θ0 on one V_s (the step-0 utility of every unlearning run).</summary>
public sealed record StoredUtility(long Tokens, double MeanNll, double Perplexity, double Accuracy);

/// <summary>scores/scores.json: everything θ0 and θref say before unlearning, computed once.</summary>
public sealed record StoredScores(
    IReadOnlyDictionary<string, StoredPopulation> Populations,
    IReadOnlyDictionary<string, StoredUtility> UtilityBase,
    IReadOnlyList<ForgetBaseline> Baselines,
    IReadOnlyDictionary<string, StoredMembership> ForgetMembership,
    double Seconds);

/// <summary>parts/&lt;target&gt;.json: one finished unlearning target.</summary>
public sealed record StoredPart(
    string TargetId,
    IReadOnlyList<Results.ExampleRow> Examples,
    IReadOnlyList<Results.StepRow> Steps,
    int StepsRun,
    double Seconds);

/// <summary>curves/&lt;model&gt;.json beside the curve: how long the training took, and the step where it diverged (null: it did not).</summary>
public sealed record StoredTraining(string Model, int Steps, double Seconds, double FinalLoss)
{
    public int? DivergedAt { get; init; }
}

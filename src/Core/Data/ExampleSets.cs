using System.Globalization;
using System.Text;
using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Tokenization;
using static LanguageExt.Prelude;

namespace Unlearning.Core.Data;

/// <summary>The set an example belongs to. D_train = <see cref="Train"/> ∪ <see cref="ForgetId"/>.</summary>
public enum ExampleSet
{
    /// <summary>ID training examples that are not forget candidates (D_train \ F_id).</summary>
    Train,

    /// <summary>F_id: ID forget candidates, part of D_train.</summary>
    ForgetId,

    /// <summary>F_ood: OOD forget candidates, inserted into the base model's training data r times.</summary>
    ForgetOod,

    /// <summary>P_s: examples no model trains on, that exposure ranks against.</summary>
    Population,

    /// <summary>V_s: examples no model trains on, for utility.</summary>
    Validation,
}

/// <summary>
/// One example: exactly L tokens cut from one document at token offset <paramref name="TokenOffset"/>
/// of the document's encoding; they are the UTF-8 bytes [ByteOffset, ByteOffset + ByteLength) of its text.
/// </summary>
public sealed record Example(
    string Id, string Source, ExampleSet Set, string DocumentId, int TokenOffset, long ByteOffset, int ByteLength, int Repeats, int[] Tokens)
{
    public bool IsOod => !Sources.IsInDistribution(Source);
}

/// <summary>Each document's role: training / forget candidates, population, or validation.</summary>
public sealed record SourceDocuments(IReadOnlyList<Document> Training, IReadOnlyList<Document> Population, IReadOnlyList<Document> Validation);

/// <summary>
/// The document-level split, made before any tokenizer exists so that the ID tokenizer can be trained
/// on <see cref="TokenizerTexts"/> (the ID training documents) only.
/// </summary>
public sealed record DocumentSplit(SplitConfig Config, int Seed, IReadOnlyDictionary<string, SourceDocuments> Sources)
{
    /// <summary>The texts the ID tokenizer is trained on: Brown's training documents.</summary>
    public IEnumerable<string> TokenizerTexts => Sources[Data.Sources.Brown].Training.Select(d => d.Text);
}

/// <summary>
/// All example sets of one experiment (SPEC §1), derived from one seed. Disjoint: no example is in two
/// sets except F_id ⊂ D_train, no two examples overlap in a document, and no population or validation
/// example shares a document with a training or forget example.
/// </summary>
public sealed class ExampleSets
{
    private ExampleSets(DocumentSplit split, IReadOnlyList<Example> all)
    {
        Split = split;
        All = all;
    }

    public DocumentSplit Split { get; }

    /// <summary>Every example, each once: sources in the plan's order, then by id.</summary>
    public IReadOnlyList<Example> All { get; }

    /// <summary>D_train: ID training examples, F_id included.</summary>
    public IReadOnlyList<Example> DTrain => [.. All.Where(e => e.Set is ExampleSet.Train or ExampleSet.ForgetId)];

    public IReadOnlyList<Example> ForgetId => [.. All.Where(e => e.Set == ExampleSet.ForgetId)];

    public IReadOnlyList<Example> ForgetOod => [.. All.Where(e => e.Set == ExampleSet.ForgetOod)];

    public IReadOnlyList<Example> Population(string source) => [.. All.Where(e => e.Source == source && e.Set == ExampleSet.Population)];

    public IReadOnlyList<Example> Validation(string source) => [.. All.Where(e => e.Source == source && e.Set == ExampleSet.Validation)];

    /// <summary>
    /// θ0's training data: D_train ∪ F_ood with every forget example, ID or OOD, listed <c>Repeats</c> times
    /// (D_train holds each F_id example once; its other copies follow as duplicates).
    /// </summary>
    public IReadOnlyList<Example> BaseTraining =>
        [.. DTrain, .. ForgetId.SelectMany(e => Enumerable.Repeat(e, e.Repeats - 1)), .. ForgetOod.SelectMany(e => Enumerable.Repeat(e, e.Repeats))];

    /// <summary>θref's training data: D_train \ F_id, without F_ood.</summary>
    public IReadOnlyList<Example> ReferenceTraining => [.. All.Where(e => e.Set == ExampleSet.Train)];

    /// <summary>
    /// The split manifest as tab-separated text: one header line, then per example its id, source, set,
    /// document, token offset, UTF-8 byte offset and length in the document's text, and repeats.
    /// </summary>
    public string Manifest()
    {
        var text = new StringBuilder("example_id\tsource\tset\tdocument_id\ttoken_offset\tbyte_offset\tbyte_length\trepeats\n");
        foreach (var e in All)
        {
            text.Append(CultureInfo.InvariantCulture, $"{e.Id}\t{e.Source}\t{SetName(e.Set)}\t{e.DocumentId}\t{e.TokenOffset}\t{e.ByteOffset}\t{e.ByteLength}\t{e.Repeats}\n");
        }

        return text.ToString();
    }

    /// <summary>The manifest's name for a set: train, forget_id, forget_ood, population, validation.</summary>
    public static string SetName(ExampleSet set) => set switch
    {
        ExampleSet.Train => "train",
        ExampleSet.ForgetId => "forget_id",
        ExampleSet.ForgetOod => "forget_ood",
        ExampleSet.Population => "population",
        _ => "validation",
    };

    /// <summary>The example's text, traced through the manifest's byte range into its document.</summary>
    public static string Trace(Example example, Document document) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(document.Text), (int)example.ByteOffset, example.ByteLength);

    /// <summary>
    /// Stage 1: each source's documents (exact duplicates removed, first kept) get their roles from a
    /// seeded shuffle. Errors: bad configuration, a planned source with no documents, a document given
    /// under the wrong source.
    /// </summary>
    public static Either<InputError, DocumentSplit> SplitDocuments(
        SplitConfig config, IReadOnlyDictionary<string, IReadOnlyList<Document>> documents, int seed) =>
        config.Validate().Bind(c =>
        {
            var roles = new Dictionary<string, SourceDocuments>(StringComparer.Ordinal);
            foreach (var plan in c.Sources)
            {
                var asksNothing = !Sources.IsInDistribution(plan.Source) && plan.Forget + plan.Population + plan.Validation == 0;
                if ((!documents.TryGetValue(plan.Source, out var docs) || docs.Count == 0) && asksNothing)
                {
                    roles[plan.Source] = new SourceDocuments([], [], []);
                    continue;
                }

                if (docs is null || docs.Count == 0)
                {
                    return Left<InputError, DocumentSplit>(new InputError(
                        "documents", plan.Source, "documents for every planned source (fetch its package: unlearn data fetch)", "none"));
                }

                if (docs.FirstOrDefault(d => d.Source != plan.Source) is { } stray)
                {
                    return Left<InputError, DocumentSplit>(new InputError("documents", plan.Source, $"documents of source {plan.Source}", $"{stray.Id} of {stray.Source}"));
                }

                var seenText = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
                var unique = docs.Where(d => seenText.Add(d.Text)).ToList();
                Shuffle(unique, DeriveSeed(seed, plan.Source, "documents"));
                int population, validation;
                if (plan.Roles == DocumentRoles.OnePerDocument)
                {
                    (population, validation) = (Math.Min(plan.Population, unique.Count), Math.Min(plan.Validation, Math.Max(0, unique.Count - plan.Population)));
                }
                else
                {
                    population = plan.Population == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(plan.PopulationDocuments * unique.Count));
                    validation = plan.Validation == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(plan.ValidationDocuments * unique.Count));
                    population = Math.Min(population, unique.Count);
                    validation = Math.Min(validation, unique.Count - population);
                }

                roles[plan.Source] = new SourceDocuments(
                    unique.Skip(population + validation).ToList(), unique.Take(population).ToList(), unique.Skip(population).Take(validation).ToList());
            }

            return Right<InputError, DocumentSplit>(new DocumentSplit(c, seed, roles));
        });

    /// <summary>Stage 1 then stage 2 with one tokenizer (e.g. GPT-2's own).</summary>
    public static Either<InputError, ExampleSets> Build(
        SplitConfig config, IReadOnlyDictionary<string, IReadOnlyList<Document>> documents, BpeTokenizer tokenizer, int seed) =>
        SplitDocuments(config, documents, seed).Bind(split => Build(split, tokenizer));

    /// <summary>
    /// Stage 2: each document is encoded and cut into non-overlapping windows of L tokens at offsets
    /// 0, L, 2L, … (the tail shorter than L is unused; one window per document for
    /// <see cref="DocumentRoles.OnePerDocument"/>); each role's windows are shuffled with a seed derived
    /// from (seed, source, role) and the first ones asked for are taken. A held-out window whose tokens
    /// equal a training or forget window of any source is dropped first. Asking for more than a role holds
    /// is an error that says how many it holds.
    /// </summary>
    public static Either<InputError, ExampleSets> Build(DocumentSplit split, BpeTokenizer tokenizer)
    {
        var config = split.Config;
        var L = config.Length;
        var all = new List<Example>();
        var trainingOf = config.Sources.ToDictionary(
            p => p.Source, p => Windows(split.Sources[p.Source].Training, tokenizer, L, p.Roles == DocumentRoles.OnePerDocument), StringComparer.Ordinal);

        // Across sources too: a spam window that equals a Brown training window is no held-out text.
        var seenTokens = new System.Collections.Generic.HashSet<string>(trainingOf.Values.SelectMany(ws => ws).Select(w => Key(w.Tokens)), StringComparer.Ordinal);
        foreach (var plan in config.Sources)
        {
            var docs = split.Sources[plan.Source];
            var onePer = plan.Roles == DocumentRoles.OnePerDocument;
            var training = trainingOf[plan.Source];
            var population = Windows(docs.Population, tokenizer, L, onePer).Where(w => !seenTokens.Contains(Key(w.Tokens))).ToList();
            var validation = Windows(docs.Validation, tokenizer, L, onePer).Where(w => !seenTokens.Contains(Key(w.Tokens))).ToList();

            var isId = Sources.IsInDistribution(plan.Source);
            var trainingAsked = isId ? config.Train ?? training.Count : plan.Forget;
            var picked = Pick(training, trainingAsked, split.Seed, plan.Source, isId ? "train" : "forget", docs.Training.Count, isId ? "split.train" : $"split.sources[{plan.Source}].forget", L);
            var pickedPopulation = Pick(population, plan.Population, split.Seed, plan.Source, "population", docs.Population.Count, $"split.sources[{plan.Source}].population", L);
            var pickedValidation = Pick(validation, plan.Validation, split.Seed, plan.Source, "validation", docs.Validation.Count, $"split.sources[{plan.Source}].validation", L);
            var error = picked.LeftToSeq().Concat(pickedPopulation.LeftToSeq()).Concat(pickedValidation.LeftToSeq()).FirstOrDefault();
            if (error is not null)
            {
                return error;
            }

            if (isId && picked.RightToSeq().Single().Count < plan.Forget)
            {
                return new InputError(
                    "configuration",
                    $"split.sources[{plan.Source}].forget",
                    $"at most {picked.RightToSeq().Single().Count}: F_id is drawn from D_train, which holds that many examples of {L} tokens",
                    plan.Forget.ToString(CultureInfo.InvariantCulture));
            }

            var n = 0;
            Example Make(Window w, ExampleSet set, int repeats) =>
                new($"{plan.Source}-{n++:D6}", plan.Source, set, w.Document, w.TokenOffset, w.ByteOffset, w.ByteLength, repeats, w.Tokens);

            var trainingWindows = picked.RightToSeq().Single();
            for (var k = 0; k < trainingWindows.Count; k++)
            {
                // The shuffle already made the order random: F_id (or F_ood) is its first `Forget` windows,
                // and a repeat design cycles through its levels in that order.
                all.Add(isId
                    ? k < plan.Forget ? Make(trainingWindows[k], ExampleSet.ForgetId, config.RepeatsOf(plan, k)) : Make(trainingWindows[k], ExampleSet.Train, 1)
                    : Make(trainingWindows[k], ExampleSet.ForgetOod, config.RepeatsOf(plan, k)));
            }

            all.AddRange(pickedPopulation.RightToSeq().Single().Select(w => Make(w, ExampleSet.Population, 1)));
            all.AddRange(pickedValidation.RightToSeq().Single().Select(w => Make(w, ExampleSet.Validation, 1)));
        }

        return new ExampleSets(split, all);
    }

    private sealed record Window(string Document, int TokenOffset, long ByteOffset, int ByteLength, int[] Tokens);

    private static List<Window> Windows(IReadOnlyList<Document> documents, BpeTokenizer tokenizer, int length, bool firstOnly)
    {
        var perDocument = documents.AsParallel().AsOrdered().Select(d =>
        {
            var tokens = tokenizer.Encode(d.Text);
            var windows = new List<Window>();
            long bytes = 0;
            for (var offset = 0; offset + length <= tokens.Length; offset += length)
            {
                var slice = tokens[offset..(offset + length)];
                var size = 0;
                foreach (var t in slice)
                {
                    size += tokenizer.BytesOf(t).Length;
                }

                windows.Add(new Window(d.Id, offset, bytes, size, slice));
                bytes += size;
                if (firstOnly)
                {
                    break;
                }
            }

            return windows;
        });
        return perDocument.SelectMany(w => w).ToList();
    }

    private static Either<InputError, List<Window>> Pick(
        List<Window> windows, int asked, int seed, string source, string role, int documentCount, string field, int length)
    {
        if (asked > windows.Count)
        {
            return new InputError(
                "configuration",
                field,
                $"at most {windows.Count}: the {role} documents of source {source} ({documentCount}) hold {windows.Count} examples of {length} tokens"
                + " (ask for fewer, or give the role more documents)",
                asked.ToString(CultureInfo.InvariantCulture));
        }

        var shuffled = new List<Window>(windows);
        Shuffle(shuffled, DeriveSeed(seed, source, role));
        return shuffled.Take(asked).ToList();
    }

    private static string Key(int[] tokens) => string.Join(',', tokens);

    /// <summary>Fisher–Yates with .NET's seeded <see cref="Random"/> (the same sequence on every platform).</summary>
    private static void Shuffle<T>(List<T> items, int seed)
    {
        var random = new Random(seed);
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seed per (seed, source, role): FNV-1a of the three, so sets do not move when another source changes.</summary>
    internal static int DeriveSeed(int seed, string source, string role)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes($"{seed}/{source}/{role}"))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash & 0x7fffffff);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Unlearning.Core.Data;
using Unlearning.Core.Tokenization;
using Unlearning.Storage.Packages;

// Tokenizer benchmark: train a 4096-token byte-level BPE on the whole Brown corpus (target < 60 s) and
// tokenise the whole corpus with it (target < 2 s), cold (empty piece memo) and warm, on one thread and
// per document in parallel; GPT-2's own BPE on the same text for comparison.
// Run: dotnet run -c Release --project bench/tokenizer [-- VOCAB]
var vocabSize = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4096;
var cache = PackageCache.Default();
var documents = PackageCorpora.Read(Sources.Brown, cache).Match(d => d, e => throw e.ToException());
var texts = documents.Select(d => d.Text).ToList();
var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}");
Console.WriteLine($"Brown: {documents.Count} documents, {bytes / 1e6:F2} MB of UTF-8");

var process = Process.GetCurrentProcess();
var cpu0 = process.TotalProcessorTime;
var watch = Stopwatch.StartNew();
var trained = BpeTokenizer.Train(texts, vocabSize).Match(t => t, e => throw e.ToException());
var trainSeconds = watch.Elapsed.TotalSeconds;
process.Refresh();
Console.WriteLine($"train {vocabSize}: {trainSeconds:F2} s wall, {(process.TotalProcessorTime - cpu0).TotalSeconds:F2} s CPU ({trained.MergeCount} merges)   target < 60 s: {(trainSeconds < 60 ? "met" : "MISSED")}");

var files = trained.Save();
Measure("trained", () => BpeTokenizer.Load(files.VocabJson, files.MergesTxt).Match(t => t, e => throw e.ToException()), target: 2.0);
Measure("gpt2", () => PackageCorpora.Gpt2(cache).Match(t => t, e => throw e.ToException()), target: null);

void Measure(string name, Func<BpeTokenizer> fresh, double? target)
{
    // Cold: a freshly loaded tokenizer, so every distinct piece is merged once.
    var cold = fresh();
    process.Refresh();
    var cpu = process.TotalProcessorTime;
    var w = Stopwatch.StartNew();
    long tokens = 0;
    foreach (var text in texts)
    {
        tokens += cold.Encode(text).Length;
    }

    var coldSeconds = w.Elapsed.TotalSeconds;
    process.Refresh();
    var coldCpu = (process.TotalProcessorTime - cpu).TotalSeconds;
    w.Restart();
    foreach (var text in texts)
    {
        cold.Encode(text);
    }

    var warmSeconds = w.Elapsed.TotalSeconds;
    var parallelTokenizer = fresh();
    w.Restart();
    var parallelTokens = texts.AsParallel().Sum(t => (long)parallelTokenizer.Encode(t).Length);
    var parallelSeconds = w.Elapsed.TotalSeconds;
    if (parallelTokens != tokens)
    {
        throw new InvalidOperationException("parallel encoding disagrees");
    }

    var verdict = target is { } t ? $"   target < {t} s: {(coldSeconds < t ? "met" : "MISSED")}" : "";
    Console.WriteLine(
        $"encode {name,-7}: {tokens} tokens ({bytes / (double)tokens:F2} bytes/token); one thread cold {coldSeconds:F2} s wall {coldCpu:F2} s CPU "
        + $"({bytes / 1e6 / coldSeconds:F1} MB/s), warm {warmSeconds:F2} s; parallel cold {parallelSeconds:F2} s{verdict}");
}

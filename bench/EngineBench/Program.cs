using System.Diagnostics;
using System.Globalization;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Tensors.Backends;
using Unlearning.Tensors.Randomness;

// engine-bench train|score|profile LAYERS EMBD HEADS CTX BATCH VOCAB THREADS ITERS
// Prints one time in ms per iteration (the same format as gpt2_reference.py bench), so the
// driver script can alternate the two and take medians. The first iterations include JIT warm-up;
// the driver drops them.
if (args.Length != 9)
{
    Console.Error.WriteLine("usage: engine-bench train|score|profile LAYERS EMBD HEADS CTX BATCH VOCAB THREADS ITERS");
    return 2;
}

string mode = args[0];
int[] v = args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
var (layers, embd, heads, ctx, batch, vocab, threads, iters) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
var config = new Gpt2Config(vocab, ctx, embd, layers, heads);
var rng = new GaussianRng(0);
var sequences = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, ctx).Select(_ => rng.NextInt(vocab)).ToArray()).ToArray();
var weights = Gpt2Weights.Init(config, 0);
var adamw = new Optimizer.AdamW(0.9, 0.999, 1e-8, 0.1);

if (mode == "train")
{
    var trainer = new Trainer(config, new TrainSettings(adamw, new LearningRateSchedule.Constant(1e-4), 1.0), threads);
    var state = TrainState.Start(weights, adamw);
    for (int i = 0; i < iters; i++)
    {
        var sw = Stopwatch.StartNew();
        var next = (StepResult)trainer.Step(state, sequences);
        trainer.Recycle(state);
        state = next.State;
        Console.WriteLine((sw.Elapsed.TotalMilliseconds).ToString("F3", CultureInfo.InvariantCulture));
    }
}
else if (mode == "score")
{
    var evaluator = new Evaluator(config, batch, threads);
    for (int i = 0; i < iters; i++)
    {
        var sw = Stopwatch.StartNew();
        var scores = evaluator.Evaluate(weights, sequences, withDistributionStats: false);
        _ = scores.IsRight ? 0 : throw new InvalidOperationException("bad input");
        Console.WriteLine((sw.Elapsed.TotalMilliseconds).ToString("F3", CultureInfo.InvariantCulture));
    }
}
else if (mode == "profile")
{
    // Per-kernel wall time of training steps (after two warm-up steps), then of scoring passes.
    var timing = new TimingBackend(new CpuBackend(threads));
    var trainer = new Trainer(config, new TrainSettings(adamw, new LearningRateSchedule.Constant(1e-4), 1.0), timing);
    var state = TrainState.Start(weights, adamw);
    double total = 0;
    for (int i = 0; i < iters + 2; i++)
    {
        if (i == 2)
        {
            timing.Reset();
            total = 0;
        }

        var sw = Stopwatch.StartNew();
        var next = (StepResult)trainer.Step(state, sequences);
        trainer.Recycle(state);
        state = next.State;
        total += sw.Elapsed.TotalMilliseconds;
    }

    Report("training step", timing, total, iters);
    timing.Reset();
    var evaluator = new Evaluator(config, batch, timing);
    evaluator.Evaluate(weights, sequences, false);
    timing.Reset();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < iters; i++)
    {
        evaluator.Evaluate(weights, sequences, false);
    }

    Report("scoring pass", timing, watch.Elapsed.TotalMilliseconds, iters);
}
else
{
    Console.Error.WriteLine($"unknown mode {mode}");
    return 2;
}

return 0;

static void Report(string what, TimingBackend timing, double totalMs, int iters)
{
    Console.WriteLine($"{what}: {totalMs / iters:F1} ms per call");
    double kernels = 0;
    foreach (var (name, (ms, calls)) in timing.Totals.OrderByDescending(p => p.Value.Ms))
    {
        kernels += ms;
        Console.WriteLine($"  {name,-16} {ms / iters,8:F1} ms  {100 * ms / totalMs,5:F1}%  ({calls / iters} calls)");
    }

    Console.WriteLine($"  {"outside kernels",-16} {(totalMs - kernels) / iters,8:F1} ms  {100 * (totalMs - kernels) / totalMs,5:F1}%");
}

using System.Diagnostics;
using System.Globalization;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Tensors.Randomness;
using Unlearning.Torch;

// torch-bench train|score LAYERS EMBD HEADS CTX BATCH VOCAB THREADS ITERS [ENGINE [DEVICE [PRECISION]]]
//   one time in ms per iteration (the format of EngineBench and gpt2_reference.py bench); ENGINE
//   managed|torch (default torch), DEVICE cpu|cuda, PRECISION fp32|bf16.
// torch-bench parity DEVICE
//   the engine parity check (SPEC §11) of torch on DEVICE against managed; exit 1 when a figure is out of tolerance.
// torch-bench unlearn ARGS...
//   the `unlearn` command itself, with the torch engine in this process.
if (args.Length >= 1 && args[0] == "unlearn")
{
    return Unlearning.Host.Cli.Run(args[1..], Console.Out, Console.Error);
}

if (args.Length == 2 && args[0] == "parity")
{
    return Unlearning.Bench.Parity.Run(args[1]);
}

if (args.Length is < 9 or > 12 || args[0] is not ("train" or "score"))
{
    Console.Error.WriteLine("usage: torch-bench train|score LAYERS EMBD HEADS CTX BATCH VOCAB THREADS ITERS [ENGINE [DEVICE [PRECISION]]] | parity DEVICE | unlearn ARGS...");
    return 2;
}

string mode = args[0];
int[] v = args[1..9].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
var (layers, embd, heads, ctx, batch, vocab, threads, iters) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
string engineName = args.Length > 9 ? args[9] : EngineNames.Torch;
string device = args.Length > 10 ? args[10] : EngineNames.Cpu;
string precision = args.Length > 11 ? args[11] : EngineNames.Fp32;
IEngine engine = engineName == EngineNames.Managed
    ? new ManagedEngine(threads)
    : TorchEngine.Open(device, precision, threads, null).Match(e => e, e => throw e.ToException());
var config = new Gpt2Config(vocab, ctx, embd, layers, heads);
var rng = new GaussianRng(0);
var sequences = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, ctx).Select(_ => rng.NextInt(vocab)).ToArray()).ToArray();
var weights = Gpt2Weights.Init(config, 0);
var adamw = new Optimizer.AdamW(0.9, 0.999, 1e-8, 0.1);
if (mode == "train")
{
    var trainer = engine.Trainer(config, new TrainSettings(adamw, new LearningRateSchedule.Constant(1e-4), 1.0)).Match(t => t, e => throw e.ToException());
    var state = TrainState.Start(weights, adamw);
    for (int i = 0; i < iters; i++)
    {
        var sw = Stopwatch.StartNew();
        var next = trainer.Step(state, sequences).Match(s => s, e => throw e.ToException());
        trainer.Recycle(state);
        state = next.State;
        Unlearning.Bench.Parity.Synchronize(device);
        Console.WriteLine(sw.Elapsed.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture));
    }
}
else
{
    var evaluator = engine.Evaluator(config, batch).Match(t => t, e => throw e.ToException());
    var trainer = engine.Trainer(config, new TrainSettings(adamw, new LearningRateSchedule.Constant(0), 1.0)).Match(t => t, e => throw e.ToException());

    // Scoring from weights the engine already holds (as a run scores θ_t after a step).
    var state = trainer.Step(TrainState.Start(weights, adamw), sequences).Match(s => s.State, e => throw e.ToException());
    for (int i = 0; i < iters; i++)
    {
        var sw = Stopwatch.StartNew();
        var scores = evaluator.Evaluate(state.Weights, sequences, withDistributionStats: false);
        _ = scores.IsRight ? 0 : throw new InvalidOperationException("bad input");
        Console.WriteLine(sw.Elapsed.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture));
    }
}

return 0;

using System.Globalization;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Torch;

namespace Unlearning.Bench;

/// <summary>
/// SPEC §11's parity on a device (bench/gpu/run runs it on CUDA; tests/Properties/Engines runs the
/// CPU version as tests): loss and every gradient within 1e-4 relative (per tensor, ‖Δ‖∞/‖g‖∞) on
/// random configurations, weights after 6 AdamW (ε = 1e-3, as TorchParity.AdamEps says why) and SGD
/// steps within 1e-3 of the distance moved, and
/// the evaluation (bits within 1e-4 relative, log2 p, μ, σ within 1e-3 bits). bf16 is reported, with
/// a loose bound (2e-2 relative on the loss), since bf16 cannot meet float32 tolerances.
/// </summary>
internal static class Parity
{
    public static void Synchronize(string device)
    {
        if (device == EngineNames.Cuda)
        {
            TorchSharp.torch.cuda.synchronize(TorchSharp.torch.CUDA);
        }
    }

    public static int Run(string device)
    {
        var managed = new ManagedEngine(Environment.ProcessorCount);
        var torch = Open(device, EngineNames.Fp32);
        bool ok = true;
        void Report(string what, double figure, double bound)
        {
            bool pass = figure <= bound;
            ok &= pass;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parity {device} {what}: {figure:E2} (bound {bound:E0}) {(pass ? "ok" : "FAILED")}"));
        }

        var random = new Random(12);
        for (int k = 0; k < 6; k++)
        {
            int heads = random.Next(1, 5);
            var config = new Gpt2Config(random.Next(50, 600), 40, heads * random.Next(8, 17), random.Next(1, 4), heads);
            var (weights, batch) = EngineParity.RandomCase(config, random.Next(1, 5), random.Next(4, 33), (ulong)k);
            foreach (var sign in new[] { 1.0, -1.0 })
            {
                var settings = new TrainSettings(new Optimizer.Sgd(), new LearningRateSchedule.Constant(0.1), null) { Objective = Signed(sign) };
                var (lm, gm) = Ok(Ok(managed.Trainer(config, settings)).LossAndGradient(weights, batch));
                var (lt, gt) = Ok(Ok(torch.Trainer(config, settings)).LossAndGradient(weights, batch));
                double worst = Enumerable.Range(0, gm.Count).Max(i => EngineParity.Relative(gm[i], gt[i]));
                Report($"case {k} {config} sign {sign:+0;-0}: loss", Math.Abs(lm - lt) / lm, 1e-4);
                Report($"case {k} sign {sign:+0;-0}: worst gradient tensor", worst, 1e-4);
            }

            var sequences = batch.Concat(batch.Select(s => s.Reverse().ToArray())).ToList();
            var em = Ok(Ok(managed.Evaluator(config, 3)).Evaluate(weights, sequences));
            var et = Ok(Ok(torch.Evaluator(config, 4)).Evaluate(weights, sequences));
            Report($"case {k}: evaluation bits", em.Zip(et, (a, b) => (First: a, Second: b)).Max(p => Math.Abs(p.First.NllBits - p.Second.NllBits) / p.First.NllBits), 1e-4);
            Report($"case {k}: evaluation log2 p, μ, σ", em.Zip(et, (a, b) => (First: a, Second: b)).Max(p => Enumerable.Range(0, p.First.Length).Max(i => Math.Max(
                Math.Abs(p.First.Log2Probs[i] - p.Second.Log2Probs[i]),
                Math.Max(Math.Abs(p.First.MeanLog2Prob[i] - p.Second.MeanLog2Prob[i]), Math.Abs(p.First.StdLog2Prob[i] - p.Second.StdLog2Prob[i]))))), 1e-3);
        }

        foreach (var (name, optimizer, lr) in new (string, Optimizer, double)[] { ("adamw", new Optimizer.AdamW(0.9, 0.95, 1e-3, 0.1), 1e-3), ("sgd", new Optimizer.Sgd(0.9), 0.05) })
        {
            foreach (var sign in new[] { 1.0, -1.0 })
            {
                var config = new Gpt2Config(97, 24, 32, 2, 4);
                var (weights, batch) = EngineParity.RandomCase(config, 4, 16, 7);
                var settings = new TrainSettings(optimizer, new LearningRateSchedule.WarmupCosine(lr, 2, 6), 1.0) { Objective = Signed(sign) };
                var tm = Ok(managed.Trainer(config, settings));
                var tt = Ok(torch.Trainer(config, settings));
                var (sm, st) = (TrainState.Start(weights.Clone(), optimizer), TrainState.Start(weights.Clone(), optimizer));
                for (int s = 0; s < 6; s++)
                {
                    sm = Ok(tm.Step(sm, batch)).State;
                    var next = Ok(tt.Step(st, batch)).State;
                    tt.Recycle(st);
                    st = next;
                }

                Report($"{name} sign {sign:+0;-0}: weights after 6 steps / distance moved", Gpt2Weights.Distance(sm.Weights, st.Weights) / Gpt2Weights.Distance(sm.Weights, weights), 1e-3);
            }
        }

        if (device == EngineNames.Cuda)
        {
            var bf16 = Open(device, EngineNames.Bf16);
            var config = new Gpt2Config(512, 64, 128, 2, 4);
            var (weights, batch) = EngineParity.RandomCase(config, 4, 64, 3);
            var settings = new TrainSettings(new Optimizer.Sgd(), new LearningRateSchedule.Constant(0.1));
            var (lm, _) = Ok(Ok(managed.Trainer(config, settings)).LossAndGradient(weights, batch));
            var (lb, _) = Ok(Ok(bf16.Trainer(config, settings)).LossAndGradient(weights, batch));
            Report("bf16 loss (relative)", Math.Abs(lm - lb) / lm, 2e-2);
        }

        Console.WriteLine($"parity {device}: {(ok ? "passed" : "FAILED")}");
        return ok ? 0 : 1;
    }

    private static IEngine Open(string device, string precision) =>
        TorchEngine.Open(device, precision, Environment.ProcessorCount, null).Match(e => e, e => throw e.ToException());

    /// <summary>+1: descent on the mean token NLL; −1: gradient ascent (J = −NLL).</summary>
    private static Objective Signed(double sign) => sign > 0 ? new Objective.Descent() : new Objective.GradientAscent();

    private static T Ok<T>(LanguageExt.Either<Core.Errors.InputError, T> e) => e.Match(v => v, err => throw err.ToException());
}

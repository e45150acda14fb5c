using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Tensors.Backends;
using Unlearning.Tensors.Randomness;
using Xunit.Abstractions;

namespace Unlearning.Properties.Model;

/// <summary>
/// Live parity with PyTorch 1.13 (/usr/bin/python3, Model/gpt2_reference.py beside the tests): our
/// code writes the weights and tokens, the script builds the same GPT-2 from them and returns its
/// logits, loss, every parameter gradient and the weights after one clipped AdamW step.
/// Tolerances: logits and loss within 1e-4 relative to the largest logit (resp. the loss);
/// every gradient tensor within 1e-4 of its largest element (‖ours − torch‖∞ ≤ 1e-4·‖torch‖∞ + 1e-7);
/// after the AdamW step (β = 0.9, 0.95, ε = 1e-3, weight decay 0.1 on matrices, clipping at 1),
/// every weight within 1e-3·lr plus 1e-6 relative (the step itself compared to a thousandth).
/// </summary>
public sealed class PyTorchParity(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";

    private static readonly (int Vocab, int Positions, int Embd, int Layers, int Heads, int Batch, int Length, int Seed)[] Configurations =
    [
        (37, 16, 16, 1, 2, 2, 7, 1),
        (61, 12, 24, 2, 3, 3, 12, 2),
        (50, 20, 32, 3, 4, 2, 9, 3),
        (29, 8, 8, 2, 1, 4, 8, 4),
    ];

    /// <summary>Every configuration in one Python process (importing torch takes seconds).</summary>
    [Fact]
    public void Logits_loss_gradients_and_one_AdamW_step_match_PyTorch_on_random_configurations()
    {
        const double Lr = 1e-3;

        // ε = 1e-3: the first Adam step is lr·g/(|g| + ε), whose sensitivity to g is lr·ε/(|g| + ε)²;
        // with ε = 1e-8 a gradient of 1e-9 (rounding noise in both engines) moves the weight by a
        // random fraction of lr. A larger ε keeps the comparison about the update formula.
        var adamw = new Optimizer.AdamW(0.9, 0.95, 1e-3, 0.1);
        var settings = new TrainSettings(adamw, new LearningRateSchedule.Constant(Lr), ClipNorm: 1.0);
        string root = Directory.CreateTempSubdirectory("unlearning-parity-").FullName;
        try
        {
            var cases = Configurations.Select((k, i) =>
            {
                var config = new Gpt2Config(k.Vocab, k.Positions, k.Embd, k.Layers, k.Heads) { BosTokenId = k.Vocab - 1 };
                var weights = Gpt2Weights.Init(config, (ulong)k.Seed);

                // Biases and LayerNorm parameters are 0/1 at init; perturb them so the terms they
                // enter are exercised too.
                var rng = new GaussianRng((ulong)k.Seed + 100);
                for (int t = 0; t < weights.Count; t++)
                {
                    if (weights.Specs[t].Shape.Length == 1)
                    {
                        foreach (ref float x in weights[t].AsSpan())
                        {
                            x += (float)(0.1 * rng.NextGaussian());
                        }
                    }
                }

                var sequences = Enumerable.Range(0, k.Batch).Select(_ => Enumerable.Range(0, k.Length).Select(_ => rng.NextInt(k.Vocab)).ToArray()).ToArray();
                string dir = Path.Combine(root, $"case{i}");
                Directory.CreateDirectory(dir);
                WriteInputs(dir, config, weights, sequences, k.Batch, k.Length, adamw, Lr);
                return (Config: config, Weights: weights, Sequences: sequences, Dir: dir);
            }).ToArray();
            RunPython(cases.Select(c => c.Dir).ToArray());

            foreach (var (config, weights, sequences, dir) in cases)
            {
                output.WriteLine($"{config}");
                int n = sequences.Length * sequences[0].Length;

                // Logits from our evaluation forward pass.
                var network = new Gpt2Network(config, new CpuBackend(2));
                network.Forward(weights, (TokenBatch)TokenBatch.From(config, sequences), new float[n], training: false);
                var ourLogits = network.LastLogits.Data;
                AssertClose($"{config} logits", ourLogits, Read(Path.Combine(dir, "out", "logits.bin"), ourLogits.Length), 1e-4, 1e-7);

                var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out", "result.json"))).RootElement;
                double torchLoss = result.GetProperty("loss").GetDouble();
                double torchNorm = result.GetProperty("grad_norm").GetDouble();
                var trainer = new Trainer(config, settings, 2);
                var (loss, grads) = ((double, Gpt2Weights))trainer.LossAndGradient(weights, sequences);
                output.WriteLine($"  loss ours {loss:R} torch {torchLoss:R}");
                Assert.True(Math.Abs(loss - torchLoss) <= 1e-4 * torchLoss, $"{config} loss: ours {loss}, torch {torchLoss}");
                for (int i = 0; i < grads.Count; i++)
                {
                    string name = grads.Specs[i].Name;
                    AssertClose($"{config} grad {name}", grads[i], Read(Path.Combine(dir, "out", "grad", name + ".bin"), grads[i].Length), 1e-4, 1e-7);
                }

                var step = (StepResult)trainer.Step(TrainState.Start(weights, adamw), sequences);
                output.WriteLine($"  grad norm ours {step.GradNorm:R} torch {torchNorm:R}");
                Assert.True(Math.Abs(step.GradNorm - torchNorm) <= 1e-4 * torchNorm, $"{config} grad norm: ours {step.GradNorm}, torch {torchNorm}");
                Assert.Equal(1, step.State.Step);
                for (int i = 0; i < weights.Count; i++)
                {
                    string name = weights.Specs[i].Name;
                    var ours = step.State.Weights[i];
                    var torch = Read(Path.Combine(dir, "out", "adamw", name + ".bin"), ours.Length);
                    for (int j = 0; j < ours.Length; j++)
                    {
                        double tol = (1e-3 * Lr) + (1e-6 * Math.Abs(torch[j]));
                        Assert.True(Math.Abs(ours[j] - torch[j]) <= tol, $"{config} after AdamW {name}[{j}]: ours {ours[j]:R}, torch {torch[j]:R}, before {weights[i][j]:R}");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Gradient_ascent_is_the_negated_gradient_and_matches_PyTorch()
    {
        var config = new Gpt2Config(23, 8, 8, 1, 2);
        var weights = Gpt2Weights.Init(config, 9);
        var rng = new GaussianRng(10);
        var sequences = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 6).Select(_ => rng.NextInt(23)).ToArray()).ToArray();
        var adamw = new Optimizer.AdamW();
        var descent = new Trainer(config, new TrainSettings(adamw, new LearningRateSchedule.Constant(1e-3)), 1);
        var ascent = new Trainer(config, new TrainSettings(adamw, new LearningRateSchedule.Constant(1e-3)) { Objective = new Objective.GradientAscent() }, 1);
        var (lossD, gD) = ((double, Gpt2Weights))descent.LossAndGradient(weights, sequences);
        var (lossA, gA) = ((double, Gpt2Weights))ascent.LossAndGradient(weights, sequences);
        Assert.Equal(lossD, -lossA);
        for (int i = 0; i < gD.Count; i++)
        {
            Assert.Equal(gD[i].Select(x => -x), gA[i]);
        }

        string dir = Directory.CreateTempSubdirectory("unlearning-parity-").FullName;
        try
        {
            WriteInputs(dir, config, weights, sequences, 2, 6, adamw, 1e-3, lossSign: -1);
            RunPython(dir);
            for (int i = 0; i < gA.Count; i++)
            {
                string name = gA.Specs[i].Name;
                AssertClose($"ascent grad {name}", gA[i], Read(Path.Combine(dir, "out", "grad", name + ".bin"), gA[i].Length), 1e-4, 1e-7);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static void WriteInputs(
        string dir, Gpt2Config config, Gpt2Weights weights, int[][] sequences, int batch, int length,
        Optimizer.AdamW adamw, double lr, double lossSign = 1)
    {
        var cfg = new Dictionary<string, object>
        {
            ["vocab_size"] = config.VocabSize,
            ["n_positions"] = config.NPositions,
            ["n_embd"] = config.NEmbd,
            ["n_layer"] = config.NLayer,
            ["n_head"] = config.NHead,
            ["layer_norm_epsilon"] = config.LayerNormEpsilon,
            ["batch"] = batch,
            ["context"] = length,
            ["loss_sign"] = lossSign,
            ["adamw"] = new Dictionary<string, double>
            {
                ["lr"] = lr, ["beta1"] = adamw.Beta1, ["beta2"] = adamw.Beta2, ["eps"] = adamw.Eps,
                ["weight_decay"] = adamw.WeightDecay, ["clip"] = 1.0,
            },
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(cfg));
        Directory.CreateDirectory(Path.Combine(dir, "w"));
        for (int i = 0; i < weights.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, "w", weights.Specs[i].Name + ".bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights[i].AsSpan()).ToArray());
        }

        var tokens = sequences.SelectMany(s => new[] { config.Bos }.Concat(s)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "tokens.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(tokens.AsSpan()).ToArray());
    }

    internal static void RunPython(params string[] dirs)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Model", "gpt2_reference.py");
        var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("parity");
        foreach (string dir in dirs)
        {
            psi.ArgumentList.Add(dir);
        }

        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{Python} {script} parity failed ({p.ExitCode}): {err}");
    }

    internal static float[] Read(string path, int count)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length == count * 4, $"{path}: expected {count} float32, found {bytes.Length} bytes");
        var x = new float[count];
        Buffer.BlockCopy(bytes, 0, x, 0, bytes.Length);
        return x;
    }

    internal static void AssertClose(string what, float[] ours, float[] torch, double rel, double abs)
    {
        double scale = torch.Max(v => Math.Abs((double)v));
        double worst = 0;
        int at = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double d = Math.Abs((double)ours[i] - torch[i]);
            if (d > worst)
            {
                worst = d;
                at = i;
            }
        }

        Assert.True(
            worst <= (rel * scale) + abs,
            string.Create(CultureInfo.InvariantCulture, $"{what}: |ours − torch| reaches {worst:G3} at [{at}] (ours {ours[at]:R}, torch {torch[at]:R}); allowed {rel:G2}·{scale:G3} + {abs:G1}"));
    }
}

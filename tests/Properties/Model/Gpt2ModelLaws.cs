using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Properties.Kernels;
using Unlearning.Tensors.Randomness;

namespace Unlearning.Properties.Model;

/// <summary>The whole model: gradients, initialisation, determinism and overfitting.</summary>
[Properties(Arbitrary = new[] { typeof(ModelArbitraries) })]
public sealed class Gpt2ModelLaws
{
    internal static int[][] RandomSequences(GaussianRng rng, int batch, int length, int vocab) =>
        Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, length).Select(_ => rng.NextInt(vocab)).ToArray()).ToArray();

    private static TrainSettings Adam(double lr = 1e-3, double? clip = 1.0, double sign = 1) =>
        new(new Optimizer.AdamW(), new LearningRateSchedule.Constant(lr), clip) { Objective = Signed(sign) };

    /// <summary>+1: descent on the mean token NLL; −1: gradient ascent (J = −NLL).</summary>
    internal static Objective Signed(double sign) => sign > 0 ? new Objective.Descent() : new Objective.GradientAscent();

    [Property(MaxTest = 15)]
    public Property Every_parameter_gradient_of_the_model_is_the_derivative_of_the_mean_nll() =>
        // n_embd ≥ 6: a LayerNorm over 3 to 5 channels of random vectors often meets a row of near-zero
        // variance, where the loss curves on the scale sqrt(ε) ≈ 3e-3 and no float32 finite
        // difference step is both above rounding and inside the smooth region. (PyTorch parity
        // covers other shapes; the kernel laws cover LayerNorm itself at every width.)
        Prop.ForAll(ModelArbitraries.TinyModels().Filter(m => m.Config.NEmbd >= 6), m =>
        {
            var (config, batch, length, seed) = m;
            var rng = new GaussianRng(seed);
            var weights = Gpt2Weights.Init(config, seed);
            for (int i = 0; i < weights.Count; i++)
            {
                // Larger than GPT-2's 0.02 so that every path carries a gradient well above rounding.
                rng.FillNormal(weights[i], weights.Specs[i].Name.Contains("ln_", StringComparison.Ordinal) ? 1 : 0, 0.3);
            }

            var sequences = RandomSequences(rng, batch, length, config.VocabSize);
            var trainer = new Trainer(config, Adam(), 1);
            var (_, g) = ((double, Gpt2Weights))trainer.LossAndGradient(weights, sequences);
            var grads = g.Clone();
            double Loss() => ((double, Gpt2Weights))trainer.LossAndGradient(weights, sequences) is var (l, _) ? l : 0;
            for (int i = 0; i < weights.Count; i++)
            {
                var d = Directional.Compare(weights[i], grads[i], Loss, seed + (ulong)i, 2e-3);
                if (!Directional.Agree(d, 3e-2, 2e-3))
                {
                    throw new InvalidOperationException($"{weights.Specs[i].Name}: numeric {d.Numeric}, analytic {d.Analytic}");
                }
            }
        });

    [Fact]
    public void Initialisation_follows_GPT2_and_depends_only_on_the_seed()
    {
        var config = new Gpt2Config(500, 64, 64, 3, 4);
        var a = Gpt2Weights.Init(config, 7);
        var b = Gpt2Weights.Init(config, 7);
        var c = Gpt2Weights.Init(config, 8);
        Assert.Equal(0, Gpt2Weights.Distance(a, b));
        Assert.True(Gpt2Weights.Distance(a, c) > 1);
        static double Std(float[] x) => Math.Sqrt(x.Average(v => (double)v * v));
        Assert.InRange(Std(a["wte.weight"]), 0.0198, 0.0202);
        Assert.InRange(Std(a["wpe.weight"]), 0.0195, 0.0205);
        Assert.InRange(Std(a["h.1.mlp.c_fc.weight"]), 0.0197, 0.0203);
        double residual = 0.02 / Math.Sqrt(2 * 3);
        Assert.InRange(Std(a["h.2.attn.c_proj.weight"]), residual * 0.97, residual * 1.03);
        Assert.InRange(Std(a["h.0.mlp.c_proj.weight"]), residual * 0.97, residual * 1.03);
        Assert.All(a["h.0.attn.c_attn.bias"], x => Assert.Equal(0f, x));
        Assert.All(a["h.2.ln_2.weight"], x => Assert.Equal(1f, x));
        Assert.All(a["ln_f.bias"], x => Assert.Equal(0f, x));
    }

    [Property(MaxTest = 10)]
    public Property Same_seed_and_batches_give_bit_identical_weights_whatever_the_thread_count(TinyModel m) =>
        Prop.ForAll(Gen.Choose(2, 4).ToArbitrary(), threads =>
        {
            var (config, batch, length, seed) = m;
            var rng = new GaussianRng(seed);
            var batches = Enumerable.Range(0, 4).Select(_ => RandomSequences(rng, batch, length, config.VocabSize)).ToArray();
            Gpt2Weights Run(int th)
            {
                var trainer = new Trainer(config, Adam(3e-3), th);
                var state = TrainState.Start(Gpt2Weights.Init(config, seed), trainer.Settings.Optimizer);
                foreach (var b in batches)
                {
                    state = ((StepResult)trainer.Step(state, b)).State;
                }

                return state.Weights;
            }

            var one = Run(1);
            var again = Run(1);
            var many = Run(threads);
            for (int i = 0; i < one.Count; i++)
            {
                if (!one[i].AsSpan().SequenceEqual(again[i]) || !one[i].AsSpan().SequenceEqual(many[i]))
                {
                    return false;
                }
            }

            return true;
        });

    [Fact]
    public void A_step_never_changes_the_state_it_was_given()
    {
        var config = new Gpt2Config(31, 8, 16, 2, 2);
        var trainer = new Trainer(config, Adam(1e-2), 2);
        var start = TrainState.Start(Gpt2Weights.Init(config, 3), trainer.Settings.Optimizer);
        var copy = start.Weights.Clone();
        var m = start.Moment1!.Clone();
        var batch = RandomSequences(new GaussianRng(4), 2, 8, 31);
        var next = ((StepResult)trainer.Step(start, batch)).State;
        var after = ((StepResult)trainer.Step(next, batch)).State;
        Assert.Equal(0, Gpt2Weights.Distance(start.Weights, copy));
        Assert.Equal(0, Gpt2Weights.Distance(start.Moment1!, m));
        Assert.True(Gpt2Weights.Distance(next.Weights, copy) > 0);
        Assert.True(Gpt2Weights.Distance(after.Weights, next.Weights) > 0);
        Assert.Equal(2, after.Step);
    }

    [Fact]
    public void A_tiny_model_overfits_a_handful_of_sequences()
    {
        var config = new Gpt2Config(24, 12, 32, 2, 2);
        // Distinct first tokens: from BOS alone the first token can only be guessed (p = 1/4 at best,
        // so the loss floor is ln 4 / 12 = 0.1155 nats), every later token is determined by the first.
        var sequences = RandomSequences(new GaussianRng(11), 4, 12, 24);
        for (int i = 0; i < sequences.Length; i++)
        {
            sequences[i][0] = 3 * i;
        }

        double floor = Math.Log(4) / 12;

        var trainer = new Trainer(config, Adam(2e-2), 1);
        var state = TrainState.Start(Gpt2Weights.Init(config, 5), trainer.Settings.Optimizer);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 300; step++)
        {
            var r = (StepResult)trainer.Step(state, sequences);
            trainer.Recycle(state);
            state = r.State;
            first = step == 0 ? r.Loss : first;
            last = r.Loss;
        }

        var scores = new Evaluator(config, 4, 2).Evaluate(state.Weights, sequences).Ok();
        Assert.True(first > 2.5, $"initial loss {first} should be near ln 24 = 3.18");
        Assert.True(last < floor + 0.005, $"loss after 300 steps {last}, floor {floor}");
        Assert.All(scores, s => Assert.All(s.Top1Correct.Skip(1), Assert.True));
        Assert.All(scores, s => Assert.InRange(s.Log2Probs[0], -2.05, -1.95)); // p ≈ 1/4 for the first token
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Tensors.Kernels;
using Unlearning.Tensors.Randomness;

namespace Unlearning.Properties.Model;

[Properties(Arbitrary = new[] { typeof(ModelArbitraries) })]
public sealed class TrainingLaws
{
    [Property]
    public Property AdamW_kernel_is_PyTorchs_update_computed_in_double() =>
        Prop.ForAll(Gen.Choose(1, 300).ToArbitrary(), Gen.Choose(1, 50).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (n, step, seed) =>
        {
            var rng = new GaussianRng((ulong)seed);
            float[] R(double std) => Enumerable.Range(0, n).Select(_ => (float)(std * rng.NextGaussian())).ToArray();
            var theta = R(1);
            var m = R(0.01);
            var v = R(0.01).Select(x => x * x).ToArray();
            var g = R(0.1);
            var (to, mo, vo) = (new float[n], new float[n], new float[n]);
            const double Lr = 1e-3, B1 = 0.9, B2 = 0.95, Eps = 1e-6, Wd = 0.1, Scale = 0.5;
            Optimizers.AdamW(theta, m, v, g, to, mo, vo, (float)Scale, (float)Lr, (float)B1, (float)B2, (float)Eps, (float)Wd, step, 2);
            for (int i = 0; i < n; i++)
            {
                double gi = Scale * g[i];
                double mm = (B1 * m[i]) + ((1 - B1) * gi);
                double vv = (B2 * v[i]) + ((1 - B2) * gi * gi);
                double th = (theta[i] * (1 - (Lr * Wd))) - (Lr / (1 - Math.Pow(B1, step)) * mm / ((Math.Sqrt(vv) / Math.Sqrt(1 - Math.Pow(B2, step))) + Eps));
                // float32 rounding: relative 1e-6 of the terms that are added.
                double mTol = 1e-6 * ((B1 * Math.Abs(m[i])) + ((1 - B1) * Math.Abs(gi)));
                double vTol = 1e-6 * ((B2 * v[i]) + ((1 - B2) * gi * gi));
                double thTol = 1e-6 * (Math.Abs(theta[i]) + Math.Abs(th - theta[i]));
                if (Math.Abs(mo[i] - mm) > mTol || Math.Abs(vo[i] - vv) > vTol || Math.Abs(to[i] - th) > thTol)
                {
                    throw new InvalidOperationException($"[{i}] m {mo[i]} vs {mm}, v {vo[i]} vs {vv}, θ {to[i]} vs {th}");
                }
            }

            return true;
        });

    [Property]
    public Property SGD_with_momentum_is_PyTorchs_update() =>
        Prop.ForAll(Gen.Choose(1, 300).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (n, seed) =>
        {
            var rng = new GaussianRng((ulong)seed);
            var theta = Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
            var buf = Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
            var g = Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
            var (to, bo) = (new float[n], new float[n]);
            Optimizers.Sgd(theta, buf, g, to, bo, 2f, 0.1f, 0.9f, 2);
            return Enumerable.Range(0, n).All(i =>
                Math.Abs(bo[i] - ((0.9 * buf[i]) + (2 * g[i]))) < 1e-5 && Math.Abs(to[i] - (theta[i] - (0.1 * bo[i]))) < 1e-5);
        });

    [Property(MaxTest = 20)]
    public Property With_SGD_at_lr_1_a_step_moves_the_weights_by_the_clipped_gradient(TinyModel m) =>
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), clipTenths =>
        {
            var (config, batch, length, seed) = m;
            double clip = clipTenths / 100.0;
            var sequences = Gpt2ModelLaws.RandomSequences(new GaussianRng(seed), batch, length, config.VocabSize);
            var trainer = new Trainer(config, new TrainSettings(new Optimizer.Sgd(), new LearningRateSchedule.Constant(1), clip), 1);
            var start = TrainState.Start(Gpt2Weights.Init(config, seed), trainer.Settings.Optimizer);
            var r = (StepResult)trainer.Step(start, sequences);
            double moved = Gpt2Weights.Distance(start.Weights, r.State.Weights);
            double expected = Math.Min(r.GradNorm, clip);
            return Math.Abs(moved - expected) <= (1e-4 * expected) + 1e-6;
        });

    [Fact]
    public void Gradient_ascent_raises_the_loss_that_descent_lowers()
    {
        var config = new Gpt2Config(20, 8, 16, 1, 2);
        var sequences = Gpt2ModelLaws.RandomSequences(new GaussianRng(1), 3, 8, 20);
        var w0 = Gpt2Weights.Init(config, 2);
        double After(double sign, Optimizer opt)
        {
            var trainer = new Trainer(config, new TrainSettings(opt, new LearningRateSchedule.Constant(opt is Optimizer.Sgd ? 0.5 : 1e-2), 1.0) { Objective = Gpt2ModelLaws.Signed(sign) }, 1);
            var state = TrainState.Start(w0, opt);
            for (int i = 0; i < 5; i++)
            {
                state = ((StepResult)trainer.Step(state, sequences)).State;
            }

            // J is −NLL for ascent: sign·J is the mean token NLL either way.
            return ((double, Gpt2Weights))trainer.LossAndGradient(state.Weights, sequences) is var (l, _) ? sign * l : 0;
        }

        double l0 = ((double, Gpt2Weights))new Trainer(config, new TrainSettings(new Optimizer.Sgd(), new LearningRateSchedule.Constant(0)), 1).LossAndGradient(w0, sequences) is var (x, _) ? x : 0;
        foreach (Optimizer opt in new Optimizer[] { new Optimizer.Sgd(), new Optimizer.Sgd(0.9), new Optimizer.AdamW() })
        {
            Assert.True(After(-1, opt) > l0 + 0.05, $"{opt}: ascent should raise the loss from {l0}");
            Assert.True(After(+1, opt) < l0 - 0.05, $"{opt}: descent should lower the loss from {l0}");
        }
    }

    [Property]
    public Property Warmup_cosine_rises_linearly_then_falls_to_the_minimum() =>
        Prop.ForAll(Gen.Choose(1, 50).ToArbitrary(), Gen.Choose(1, 500).ToArbitrary(), (warmup, decay) =>
        {
            var s = new LearningRateSchedule.WarmupCosine(1e-3, warmup, warmup + decay, 1e-5);
            bool rises = Enumerable.Range(0, warmup).All(i => Math.Abs(s.At(i) - (1e-3 * (i + 1) / warmup)) < 1e-15);
            bool falls = Enumerable.Range(warmup, decay).All(i => s.At(i + 1) <= s.At(i) + 1e-18);
            return rises && falls && Math.Abs(s.At(warmup) - 1e-3) < 1e-15 && s.At(warmup + decay) == 1e-5
                && Math.Abs(s.At(warmup + (decay / 2.0 == decay / 2 ? decay / 2 : 0)) - (decay % 2 == 0 ? 0.5 * (1e-3 + 1e-5) : s.At(warmup))) < 1e-12;
        });

    [Fact]
    public void Bad_settings_are_refused_with_the_field_and_its_range()
    {
        var c = new Gpt2Config(10, 8, 8, 1, 2);
        string Err(TrainSettings s) => Trainer.Create(c, s, 1).Match(_ => "", e => e.ToString());
        Assert.Equal("training settings: beta2: expected a number in [0, 1), found 1", Err(new(new Optimizer.AdamW(Beta2: 1), new LearningRateSchedule.Constant(1e-3))));
        Assert.Equal("training settings: clip_norm: expected a positive finite number (or none), found 0", Err(new(new Optimizer.Sgd(), new LearningRateSchedule.Constant(1e-3), 0)));
        Assert.Equal("training settings: unlearning.npo.beta: expected a finite number > 0, found 0", Err(new(new Optimizer.Sgd(), new LearningRateSchedule.Constant(1e-3), 1) { Objective = new Objective.Npo(0, 0) }));
        Assert.Equal("training settings: unlearning.grad_diff.lambda: expected a finite number ≥ 0, found -1", Err(new(new Optimizer.Sgd(), new LearningRateSchedule.Constant(1e-3), 1) { Objective = new Objective.GradDiff(-1) }));
        Assert.Equal("training settings: threads: expected an integer ≥ 1, found 0", Trainer.Create(c, new(new Optimizer.Sgd(), new LearningRateSchedule.Constant(1)), 0).Match(_ => "", e => e.ToString()));
        Assert.Equal(
            "model configuration: n_embd: expected a positive multiple of n_head (3), found 8",
            Trainer.Create(c with { NHead = 3 }, new(new Optimizer.Sgd(), new LearningRateSchedule.Constant(1)), 1).Match(_ => "", e => e.ToString()));
    }
}

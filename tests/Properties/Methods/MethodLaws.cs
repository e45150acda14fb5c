using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Properties.Kernels;
using Unlearning.Tensors.Randomness;

namespace Unlearning.Properties.Methods;

/// <summary>
/// The unlearning methods of SPEC §8 (docs/methods.md): each objective's seed ∂J/∂ℓ_r against finite
/// differences of J, each method's parameter gradient on random small models against finite differences
/// of its loss, and the limits the formulas imply: grad_diff and kl with λ = 0 are gradient ascent;
/// NPO as β → 0 is L times ascent's gradient; SimNPO with γ = 0 as β → 0 is ascent's gradient.
/// </summary>
public sealed class MethodLaws
{
    /// <summary>A method's objective on a small random GPT-2: θ, θ0, forget and retain sequences, logπ0 of the forget sequences.</summary>
    public sealed record MethodCase(Gpt2Config Config, Gpt2Weights Weights, Gpt2Weights Theta0, int[][] Forget, int[][] Retain, double[] ReferenceLogProbs, Objective Objective, ulong Seed)
    {
        public ObjectiveBatch Batch => new(Forget, Retain, ReferenceLogProbs, Theta0);

        public override string ToString() => $"{Objective} {Config} F={Forget.Length}×{Forget[0].Length} R={Retain.Length} seed={Seed}";
    }

    internal static Gen<Objective> Objectives =>
        from method in Gen.Choose(0, 4)
        from lambda in Gen.Choose(1, 20)
        from beta in Gen.Choose(1, 30)
        from gamma in Gen.Choose(0, 10)
        select method switch
        {
            0 => (Objective)new Objective.GradientAscent(),
            1 => new Objective.GradDiff(lambda / 10.0),
            2 => new Objective.Kl(lambda / 10.0),
            3 => new Objective.Npo(beta / 10.0, lambda % 3 == 0 ? 0 : lambda / 10.0),
            _ => new Objective.SimNpo(beta / 10.0, gamma / 10.0, lambda % 3 == 0 ? 0 : lambda / 10.0),
        };

    /// <summary>
    /// Weights larger than GPT-2's 0.02 (as the model's own gradient law uses) so every path carries a
    /// gradient well above rounding; n_embd = 8 keeps LayerNorm away from near-zero variance rows.
    /// </summary>
    internal static Gen<MethodCase> Cases(Gen<Objective> objectives, int maxForget = 3, double std = 0.3) =>
        from objective in objectives
        from vocab in Gen.Choose(11, 29)
        from length in Gen.Choose(2, 6)
        from forget in Gen.Choose(1, maxForget)
        from retain in Gen.Choose(1, 3)
        from seed in Gen.Choose(0, int.MaxValue)
        select Make(new Gpt2Config(vocab, length + 1, 8, 1, 2), objective, forget, retain, length, (ulong)seed, std);

    internal static MethodCase Make(Gpt2Config config, Objective objective, int forget, int retain, int length, ulong seed, double std)
    {
        Gpt2Weights Random(ulong s)
        {
            var w = Gpt2Weights.Init(config, s);
            var rng = new GaussianRng(s);
            for (int i = 0; i < w.Count; i++)
            {
                rng.FillNormal(w[i], w.Specs[i].Name.Contains("ln_", StringComparison.Ordinal) ? 1 : 0, std);
            }

            return w;
        }

        var rng = new GaussianRng(seed + 7);
        int[][] Sequences(int n) => [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => rng.NextInt(config.VocabSize)).ToArray())];
        var weights = Random(seed);
        var theta0 = Random(seed + 1);
        var f = Sequences(forget);
        var scores = Ok(Ok(Evaluator.Create(config, 4, 1)).Evaluate(theta0, f, withDistributionStats: false));
        return new MethodCase(config, weights, theta0, f, Sequences(retain), [.. scores.Select(s => -s.NllBits * Math.Log(2))], objective, seed);
    }

    internal static T Ok<T>(LanguageExt.Either<InputError, T> e) => e.Match(v => v, err => throw err.ToException());

    internal static Trainer TrainerFor(Gpt2Config config, Objective objective) =>
        Ok(Trainer.Create(config, new TrainSettings(new Optimizer.Sgd(), new LearningRateSchedule.Constant(0.1), null) { Objective = objective }, 1));

    private static Gen<(Objective Objective, float[] LogProbs, int Sequences, float[] Retain, double[] Reference)> SeedCases =>
        from objective in Objectives
        from sequences in Gen.Choose(1, 4)
        from length in Gen.Choose(1, 8)
        from retain in Gen.Choose(0, 6)
        from seed in Gen.Choose(0, int.MaxValue)
        select Draw(objective, sequences, length, retain, (ulong)seed);

    private static (Objective, float[], int, float[], double[]) Draw(Objective objective, int sequences, int length, int retain, ulong seed)
    {
        var rng = new GaussianRng(seed);
        var logProbs = Enumerable.Range(0, sequences * length).Select(_ => (float)(-0.05 - (4 * rng.NextDouble()))).ToArray();
        var retainLosses = Enumerable.Range(0, objective.UsesRetain ? retain * length : 0).Select(_ => (float)(3 * rng.NextDouble())).ToArray();
        var reference = Enumerable.Range(0, sequences).Select(_ => -length * (0.05 + (4 * rng.NextDouble()))).ToArray();
        return (objective, logProbs, sequences, retainLosses, reference);
    }

    [Property(MaxTest = 300)]
    public Property The_seed_is_the_derivative_of_the_objective_in_every_row_loss() => Prop.ForAll(SeedCases.ToArbitrary(), c =>
    {
        // Forget rows: ℓ_r = −ln p_r, so ∂J/∂ℓ_r = −∂J/∂(ln p_r); retain rows: ℓ_r as given.
        var seed = c.Objective.Seed(c.LogProbs, c.Sequences, c.Retain, c.Reference);
        Assert.Equal(c.LogProbs.Length + c.Retain.Length, seed.Gradient.Length);
        const float H = 1e-2f;
        for (int r = 0; r < seed.Gradient.Length; r++)
        {
            double Value(float delta)
            {
                var lp = (float[])c.LogProbs.Clone();
                var rl = (float[])c.Retain.Clone();
                if (r < lp.Length)
                {
                    lp[r] -= delta;
                }
                else
                {
                    rl[r - lp.Length] += delta;
                }

                return c.Objective.Seed(lp, c.Sequences, rl, c.Reference).Value;
            }

            double numeric = (Value(H) - Value(-H)) / (2 * H);
            double analytic = seed.Gradient[r];
            Assert.True(Math.Abs(numeric - analytic) <= (2e-3 * Math.Max(Math.Abs(numeric), Math.Abs(analytic))) + 1e-5, $"row {r}: numeric {numeric}, analytic {analytic}");
        }
    });

    [Property(MaxTest = 25)]
    public Property Every_method_gradient_is_the_derivative_of_its_loss_on_random_small_models() => Prop.ForAll(Cases(Objectives).ToArbitrary(), c =>
    {
        var trainer = TrainerFor(c.Config, c.Objective);
        var grads = Ok(trainer.LossAndGradient(c.Weights, c.Batch)).Gradient.Clone();
        double Loss() => Ok(trainer.LossAndGradient(c.Weights, c.Batch)).Loss;
        for (int i = 0; i < c.Weights.Count; i++)
        {
            var d = Directional.Compare(c.Weights[i], grads[i], Loss, c.Seed + (ulong)i, 2e-3);
            Assert.True(Directional.Agree(d, 3e-2, 2e-3), $"{c.Weights.Specs[i].Name}: numeric {d.Numeric}, analytic {d.Analytic}");
        }
    });

    [Property(MaxTest = 20)]
    public Property Grad_diff_and_kl_with_lambda_zero_are_gradient_ascent() => Prop.ForAll(Cases(Gen.Elements<Objective>(new Objective.GradDiff(0), new Objective.Kl(0))).ToArbitrary(), c =>
    {
        var (j, g) = Ok(TrainerFor(c.Config, c.Objective).LossAndGradient(c.Weights, c.Batch));
        var ascent = Ok(TrainerFor(c.Config, new Objective.GradientAscent()).LossAndGradient(c.Weights, ObjectiveBatch.Of(c.Forget)));
        Assert.Equal(ascent.Loss, j);
        for (int i = 0; i < g.Count; i++)
        {
            Assert.Equal(ascent.Gradient[i], g[i]);
        }
    });

    /// <summary>‖a − s·b‖ / ‖s·b‖ over every tensor.</summary>
    private static double Distance(Gpt2Weights a, Gpt2Weights b, double scale)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Count; i++)
        {
            for (int k = 0; k < a[i].Length; k++)
            {
                double d = a[i][k] - (scale * b[i][k]);
                num += d * d;
                den += scale * b[i][k] * scale * b[i][k];
            }
        }

        return Math.Sqrt(num / den);
    }

    // One forget sequence: the per-sequence weights bound the distance exactly (with several, their
    // gradients could partly cancel in the ascent direction the distance is measured against).
    [Property(MaxTest = 15)]
    public Property Npo_as_beta_goes_to_zero_is_L_times_the_ascent_gradient() => Prop.ForAll(Cases(Gen.Constant<Objective>(new Objective.GradientAscent()), maxForget: 1).ToArbitrary(), c =>
    {
        // ∂J/∂ℓ_r = −(2/B)·σ(β·d_x) → −1/B = L·(−1/(B·L)), with |2σ(β·d) − 1| ≤ β·|d|/2: the relative
        // distance to L·∇J_ascent is at most β·max|d|/2 (plus float rounding), so it vanishes with β.
        int length = c.Forget[0].Length;
        var ascent = Ok(TrainerFor(c.Config, new Objective.GradientAscent()).LossAndGradient(c.Weights, ObjectiveBatch.Of(c.Forget))).Gradient.Clone();
        var scores = Ok(Ok(Evaluator.Create(c.Config, 4, 1)).Evaluate(c.Weights, c.Forget, withDistributionStats: false));
        double maxD = scores.Select((s, b) => Math.Abs((-s.NllBits * Math.Log(2)) - c.ReferenceLogProbs[b])).Max();
        double previous = double.PositiveInfinity;
        foreach (var beta in new[] { 1.0, 1e-1, 1e-2, 1e-3 })
        {
            var npo = Ok(TrainerFor(c.Config, new Objective.Npo(beta, 0)).LossAndGradient(c.Weights, c.Batch)).Gradient;
            double distance = Distance(npo, ascent, length);
            Assert.True(distance <= (beta * maxD / 2) + 1e-5, $"β = {beta}: relative distance {distance:E3}, bound {beta * maxD / 2:E3}");
            Assert.True(distance <= previous + 1e-6, $"β = {beta}: {distance:E3} after {previous:E3}");
            previous = distance;
        }
    });

    [Property(MaxTest = 15)]
    public Property SimNpo_with_gamma_zero_as_beta_goes_to_zero_is_the_ascent_gradient() => Prop.ForAll(Cases(Gen.Constant<Objective>(new Objective.GradientAscent()), maxForget: 1).ToArbitrary(), c =>
    {
        // ∂J/∂ℓ_r = −2σ(−u)/(B·L), u = β·NLL(x) − γ; with γ = 0, |2σ(−u) − 1| ≤ β·NLL(x)/2 → 0: ascent's −1/(B·L).
        var ascent = Ok(TrainerFor(c.Config, new Objective.GradientAscent()).LossAndGradient(c.Weights, ObjectiveBatch.Of(c.Forget))).Gradient.Clone();
        var scores = Ok(Ok(Evaluator.Create(c.Config, 4, 1)).Evaluate(c.Weights, c.Forget, withDistributionStats: false));
        double maxNll = scores.Max(s => s.NllBits * Math.Log(2) / s.Length);
        foreach (var beta in new[] { 1.0, 1e-1, 1e-2, 1e-3 })
        {
            var sim = Ok(TrainerFor(c.Config, new Objective.SimNpo(beta, 0, 0)).LossAndGradient(c.Weights, c.Batch)).Gradient;
            double distance = Distance(sim, ascent, 1);
            Assert.True(distance <= (beta * maxNll / 2) + 1e-5, $"β = {beta}: relative distance {distance:E3}, bound {beta * maxNll / 2:E3}");
        }
    });

    [Fact]
    public void A_step_without_what_the_method_reads_is_refused_before_any_work()
    {
        var c = Make(new Gpt2Config(13, 5, 8, 1, 2), new Objective.GradientAscent(), 2, 2, 4, 5, 0.3);
        string Err(Objective o, ObjectiveBatch b) => TrainerFor(c.Config, o).Step(TrainState.Start(c.Weights, new Optimizer.Sgd()), b).Match(_ => "", e => e.ToString());
        Assert.Equal("token batch: retain: expected a retain batch for grad_diff with λ = 1, found none", Err(new Objective.GradDiff(1), ObjectiveBatch.Of(c.Forget)));
        Assert.Equal("token batch: reference log-probabilities: expected one per forget sequence (2) for npo, found 0", Err(new Objective.Npo(0.1, 0), ObjectiveBatch.Of(c.Forget)));
        Assert.Equal("token batch: reference: expected θ0's weights for kl's retain term, found none", Err(new Objective.Kl(1), c.Batch with { Reference = null }));
    }
}

using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;

namespace Unlearning.Core.Training;

/// <summary>
/// The loss J a training step minimises (SPEC §8; docs/methods.md derives every gradient). F: the forget
/// sequences (B of L tokens), R: a retain batch, π0: θ0 frozen. NLL is the mean token −ln p in nats,
/// logπ(x) the summed token log-probability of a sequence. Every method is a function of per-row losses
/// ℓ_r (−ln p(target) of a token, or for <see cref="Kl"/>'s retain rows KL(π0 ‖ πθ) at that position), so
/// an engine needs from it only J and the seed ∂J/∂ℓ_r (<see cref="Seed"/>), llm.c's dlosses; the two
/// engines then differ only in how they get ∂J/∂θ from that vector.
/// </summary>
public abstract record Objective
{
    private Objective()
    {
    }

    /// <summary>The method's name as unlearning.method spells it (descent: the training of θ0 and θref).</summary>
    public abstract string Name { get; }

    /// <summary>λ of the retain term: with λ = 0 there is no retain batch.</summary>
    public abstract double RetainWeight { get; }

    /// <summary>True when the step reads a retain batch R.</summary>
    public bool UsesRetain => RetainWeight > 0;

    /// <summary>True when the retain rows' loss is KL(π0(·|R) ‖ πθ(·|R)) and the step needs θ0 to compute π0.</summary>
    public bool RetainIsKl => this is Kl && UsesRetain;

    /// <summary>True when the step reads logπ0(x) of every forget sequence.</summary>
    public bool UsesReferenceLogProbs => this is Npo;

    /// <summary>J = NLL(F): the training of θ0 and θref.</summary>
    public sealed record Descent : Objective
    {
        public override string Name => "descent";

        public override double RetainWeight => 0;
    }

    /// <summary>J = −NLL(F): the paper's method.</summary>
    public sealed record GradientAscent : Objective
    {
        public override string Name => "gradient_ascent";

        public override double RetainWeight => 0;
    }

    /// <summary>J = −NLL(F) + λ·NLL(R) (gradient difference, Liu et al. 2022).</summary>
    public sealed record GradDiff(double Lambda) : Objective
    {
        public override string Name => "grad_diff";

        public override double RetainWeight => Lambda;
    }

    /// <summary>J = −NLL(F) + λ·mean over R's tokens of KL(π0(·|R) ‖ πθ(·|R)).</summary>
    public sealed record Kl(double Lambda) : Objective
    {
        public override string Name => "kl";

        public override double RetainWeight => Lambda;
    }

    /// <summary>J = (2/β)·mean_F log(1 + exp(β·(logπθ(x) − logπ0(x)))) + λ·NLL(R) (NPO, Zhang et al. 2024).</summary>
    public sealed record Npo(double Beta, double Lambda) : Objective
    {
        public override string Name => "npo";

        public override double RetainWeight => Lambda;
    }

    /// <summary>J = −(2/β)·mean_F log σ(−(β/L)·logπθ(x) − γ) + λ·NLL(R) (SimNPO, Fan et al. 2024).</summary>
    public sealed record SimNpo(double Beta, double Gamma, double Lambda) : Objective
    {
        public override string Name => "simnpo";

        public override double RetainWeight => Lambda;
    }

    /// <summary>The methods unlearning.method may name, in the order of SPEC §8.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = ["gradient_ascent", "grad_diff", "kl", "npo", "simnpo"];

    /// <summary>The parameters against their ranges (β &gt; 0, λ ≥ 0, all finite), naming the key of each.</summary>
    public static Either<InputError, Objective> Validate(Objective o, string where = "unlearning")
    {
        static InputError Bad(string where, string key, string expected, double found) =>
            new(where, key, expected, found.ToString("R", CultureInfo.InvariantCulture));

        if (!(o.RetainWeight >= 0 && double.IsFinite(o.RetainWeight)))
        {
            return Bad(where, $"unlearning.{o.Name}.lambda", "a finite number ≥ 0", o.RetainWeight);
        }

        return o switch
        {
            Npo n when !(n.Beta > 0 && double.IsFinite(n.Beta)) => Bad(where, "unlearning.npo.beta", "a finite number > 0", n.Beta),
            SimNpo s when !(s.Beta > 0 && double.IsFinite(s.Beta)) => Bad(where, "unlearning.simnpo.beta", "a finite number > 0", s.Beta),
            SimNpo s when !double.IsFinite(s.Gamma) => Bad(where, "unlearning.simnpo.gamma", "a finite number", s.Gamma),
            _ => o,
        };
    }

    /// <summary>
    /// J and its seed. <paramref name="forgetLogProbs"/>: ln p of every forget token, sequence by sequence
    /// ([B·L]); <paramref name="retainLosses"/>: ℓ_r of every retain row (empty without a retain term);
    /// <paramref name="referenceLogProbs"/>: logπ0(x) per forget sequence (<see cref="Npo"/> only). The seed
    /// holds ∂J/∂ℓ_r for the forget rows, where ℓ_r = −ln p, then for the retain rows.
    /// </summary>
    public ObjectiveSeed Seed(ReadOnlySpan<float> forgetLogProbs, int sequences, ReadOnlySpan<float> retainLosses, IReadOnlyList<double> referenceLogProbs)
    {
        int n = forgetLogProbs.Length;
        int length = n / sequences;
        var seed = new float[n + retainLosses.Length];
        double value = 0;
        for (int b = 0; b < sequences; b++)
        {
            // logπθ(x) = Σ ln p over the sequence; NLL(F) = −mean over all B·L tokens.
            double logPi = 0;
            for (int i = 0; i < length; i++)
            {
                logPi += forgetLogProbs[(b * length) + i];
            }

            double perToken;
            switch (this)
            {
                case Descent:
                    value -= logPi / n;
                    perToken = 1.0 / n;
                    break;
                case GradientAscent or GradDiff or Kl:
                    value += logPi / n;
                    perToken = -1.0 / n;
                    break;
                case Npo npo:
                {
                    // J_x = (2/β)/B · softplus(β·d), d = logπθ − logπ0 = −Σℓ − logπ0; ∂J_x/∂ℓ_r = −(2/B)·σ(β·d).
                    double d = logPi - referenceLogProbs[b];
                    value += 2 / npo.Beta / sequences * Softplus(npo.Beta * d);
                    perToken = -2.0 / sequences * Sigmoid(npo.Beta * d);
                    break;
                }

                case SimNpo sim:
                {
                    // u = −(β/L)·logπθ − γ; J_x = (2/β)/B · softplus(−u); ∂J_x/∂ℓ_r = −2σ(−u)/(B·L).
                    double u = (-sim.Beta / length * logPi) - sim.Gamma;
                    value += 2 / sim.Beta / sequences * Softplus(-u);
                    perToken = -2.0 / (sequences * (double)length) * Sigmoid(-u);
                    break;
                }

                default:
                    throw new NotSupportedException($"objective {this}");
            }

            seed.AsSpan(b * length, length).Fill((float)perToken);
        }

        if (UsesRetain && retainLosses.Length > 0)
        {
            // λ·mean of the retain rows' losses (NLL, or the per-token KL): ∂/∂ℓ_r = λ/|R rows|.
            double sum = 0;
            foreach (float l in retainLosses)
            {
                sum += l;
            }

            value += RetainWeight * sum / retainLosses.Length;
            seed.AsSpan(n).Fill((float)(RetainWeight / retainLosses.Length));
        }

        return new ObjectiveSeed(value, seed);
    }

    /// <summary>log(1 + eˣ) without overflow.</summary>
    public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}

/// <summary>J and ∂J/∂ℓ_r per row (forget rows, then retain rows): what seeds the backward pass.</summary>
public sealed record ObjectiveSeed(double Value, float[] Gradient);

/// <summary>
/// What one step of an <see cref="Objective"/> reads: the forget sequences F; a retain batch R (empty
/// unless the objective has a retain term); logπ0(x) per forget sequence (npo); θ0 (kl's π0(·|R)). Every
/// sequence has the same length L.
/// </summary>
public sealed record ObjectiveBatch(
    IReadOnlyList<int[]> Forget, IReadOnlyList<int[]> Retain, IReadOnlyList<double> ReferenceLogProbs, Gpt2Weights? Reference)
{
    /// <summary>Sequences only: the batch of training (descent) or of plain gradient ascent.</summary>
    public static ObjectiveBatch Of(IReadOnlyList<int[]> sequences) => new(sequences, [], [], null);

    /// <summary>Forget and retain rows as one token batch (forget first), after the checks the objective needs.</summary>
    public Either<InputError, TokenBatch> Tokens(Gpt2Config config, Objective objective, string where = "token batch")
    {
        if (objective.UsesRetain && Retain.Count == 0)
        {
            return new InputError(where, "retain", $"a retain batch for {objective.Name} with λ = {objective.RetainWeight}", "none");
        }

        if (objective.UsesReferenceLogProbs && ReferenceLogProbs.Count != Forget.Count)
        {
            return new InputError(where, "reference log-probabilities", $"one per forget sequence ({Forget.Count}) for {objective.Name}", $"{ReferenceLogProbs.Count}");
        }

        if (objective.RetainIsKl && Reference is null)
        {
            return new InputError(where, "reference", "θ0's weights for kl's retain term", "none");
        }

        if (objective.RetainIsKl && Reference!.Config != config)
        {
            return new InputError(where, "reference", config.ToString(), Reference.Config.ToString());
        }

        return TokenBatch.From(config, objective.UsesRetain ? [.. Forget, .. Retain] : Forget, where);
    }
}

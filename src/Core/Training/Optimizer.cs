using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Training;

/// <summary>An optimizer's hyperparameters (the learning rate comes from the schedule).</summary>
public abstract record Optimizer
{
    private Optimizer()
    {
    }

    /// <summary>Moment buffers it keeps per parameter: SGD with momentum 1, AdamW 2, plain SGD 0.</summary>
    public abstract int Moments { get; }

    /// <summary>SGD (PyTorch's): b ← μ·b + g, θ ← θ − lr·b; μ = 0 is plain SGD.</summary>
    public sealed record Sgd(double Momentum = 0) : Optimizer
    {
        public override int Moments => Momentum == 0 ? 0 : 1;
    }

    /// <summary>
    /// AdamW (decoupled weight decay, bias-corrected moments, PyTorch's update). Weight decay applies
    /// to tensors of rank ≥ 2 only (embeddings and weight matrices), not to biases or LayerNorm
    /// weights: the convention of HF's Trainer and nanoGPT.
    /// </summary>
    public sealed record AdamW(double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0.0) : Optimizer
    {
        public override int Moments => 2;
    }
}

/// <summary>Learning rate as a function of the 0-based step index.</summary>
public abstract record LearningRateSchedule
{
    private LearningRateSchedule()
    {
    }

    public abstract double At(long step);

    public sealed record Constant(double Lr) : LearningRateSchedule
    {
        public override double At(long step) => Lr;
    }

    /// <summary>
    /// Linear warmup to <paramref name="PeakLr"/> over <paramref name="WarmupSteps"/> steps
    /// (lr = peak·(s+1)/warmup), then cosine decay to <paramref name="MinLr"/> at
    /// <paramref name="TotalSteps"/>: lr = min + ½(peak − min)(1 + cos(π·(s − warmup)/(total − warmup)));
    /// min after that.
    /// </summary>
    public sealed record WarmupCosine(double PeakLr, long WarmupSteps, long TotalSteps, double MinLr = 0) : LearningRateSchedule
    {
        public override double At(long step)
        {
            if (step < WarmupSteps)
            {
                return PeakLr * (step + 1) / WarmupSteps;
            }

            if (step >= TotalSteps || TotalSteps <= WarmupSteps)
            {
                return MinLr;
            }

            double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
            return MinLr + (0.5 * (PeakLr - MinLr) * (1 + Math.Cos(Math.PI * progress)));
        }
    }
}

/// <summary>
/// How a training step moves: optimizer, schedule, clipping of the global gradient norm (null: none;
/// PyTorch's clip_grad_norm_: scale by max/(‖g‖ + 1e-6) when that is below 1), and the
/// <see cref="Objective"/> the step minimises: descent on the mean token NLL (training) unless set.
/// </summary>
public sealed record TrainSettings(Optimizer Optimizer, LearningRateSchedule Schedule, double? ClipNorm = 1.0)
{
    public Objective Objective { get; init; } = new Objective.Descent();

    /// <summary>Every hyperparameter against its range, before any work.</summary>
    public static Either<InputError, TrainSettings> Validate(TrainSettings s, string where = "training settings")
    {
        static bool Finite(double x) => double.IsFinite(x);
        static InputError Bad(string where, string field, string expected, double found) =>
            new(where, field, expected, found.ToString("R", CultureInfo.InvariantCulture));

        switch (s.Optimizer)
        {
            case Optimizer.Sgd sgd when !(sgd.Momentum >= 0 && sgd.Momentum < 1):
                return Bad(where, "momentum", "a number in [0, 1)", sgd.Momentum);
            case Optimizer.AdamW a when !(a.Beta1 >= 0 && a.Beta1 < 1):
                return Bad(where, "beta1", "a number in [0, 1)", a.Beta1);
            case Optimizer.AdamW a when !(a.Beta2 >= 0 && a.Beta2 < 1):
                return Bad(where, "beta2", "a number in [0, 1)", a.Beta2);
            case Optimizer.AdamW a when !(a.Eps > 0 && Finite(a.Eps)):
                return Bad(where, "eps", "a positive finite number", a.Eps);
            case Optimizer.AdamW a when !(a.WeightDecay >= 0 && Finite(a.WeightDecay)):
                return Bad(where, "weight_decay", "a finite number ≥ 0", a.WeightDecay);
        }

        switch (s.Schedule)
        {
            case LearningRateSchedule.Constant c when !(c.Lr >= 0 && Finite(c.Lr)):
                return Bad(where, "lr", "a finite number ≥ 0", c.Lr);
            case LearningRateSchedule.WarmupCosine w when !(w.PeakLr >= 0 && Finite(w.PeakLr)):
                return Bad(where, "lr", "a finite number ≥ 0", w.PeakLr);
            case LearningRateSchedule.WarmupCosine w when !(w.MinLr >= 0 && w.MinLr <= w.PeakLr):
                return Bad(where, "min_lr", $"a number in [0, lr = {w.PeakLr}]", w.MinLr);
            case LearningRateSchedule.WarmupCosine w when w.WarmupSteps < 0 || w.TotalSteps < w.WarmupSteps:
                return Bad(where, "warmup_steps", $"a step count in [0, total_steps = {w.TotalSteps}]", w.WarmupSteps);
        }

        if (s.ClipNorm is double clip && !(clip > 0 && Finite(clip)))
        {
            return Bad(where, "clip_norm", "a positive finite number (or none)", clip);
        }

        return Objective.Validate(s.Objective, where).Map(_ => s);
    }
}

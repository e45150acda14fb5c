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
/// PyTorch's clip_grad_norm_: scale by max/(‖g‖ + 1e-6) when that is below 1), and the sign of the
/// objective: +1 descends the mean token NLL (training), −1 ascends it (gradient-ascent
/// unlearning, J(θ) = −mean NLL of the forget set).
/// </summary>
public sealed record TrainSettings(Optimizer Optimizer, LearningRateSchedule Schedule, double? ClipNorm = 1.0, double LossSign = 1.0);

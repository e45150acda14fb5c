using System.Text;
using Unlearning.Core.Experiment;
using Unlearning.Core.Statistics;
using Unlearning.Core.Training;

namespace Unlearning.Core.Methods;

/// <summary>
/// The unlearning methods of SPEC §8 as configuration reads them: one <see cref="Objective"/> per
/// unlearning.method, with its section's parameters (docs/methods.md), and the step settings it runs with.
/// </summary>
public static class UnlearningMethods
{
    /// <summary>The objective of <paramref name="method"/> with the parameters of its section.</summary>
    public static Objective ObjectiveOf(UnlearningConfig u, string method)
    {
        var m = u.SettingsOf(method);
        return method switch
        {
            "gradient_ascent" => new Objective.GradientAscent(),
            "grad_diff" => new Objective.GradDiff(m.Lambda),
            "kl" => new Objective.Kl(m.Lambda),
            "npo" => new Objective.Npo(m.Beta, m.Lambda),
            "simnpo" => new Objective.SimNpo(m.Beta, m.Gamma, m.Lambda),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a method"),
        };
    }

    /// <summary>
    /// The step settings of <paramref name="u"/>'s method (<see cref="UnlearningConfig.For"/> gives a
    /// method's own learning rate): SGD or Adam at a constant rate, the clip, the method's objective.
    /// </summary>
    public static TrainSettings Settings(UnlearningConfig u) => new(
        u.Optimizer == "adam" ? new Optimizer.AdamW(u.Beta1, u.Beta2, u.Epsilon, 0) : new Optimizer.Sgd(),
        new LearningRateSchedule.Constant(u.LearningRate),
        u.GradClip > 0 ? u.GradClip : null)
    {
        Objective = ObjectiveOf(u, u.Method),
    };

    /// <summary>
    /// The seed of a target's retain batches: the run's seed and the target's first example id (FNV-1a),
    /// so every method of one target draws the same retain batches, and a resumed run draws them again.
    /// </summary>
    public static long RetainSeed(long seed, string targetId)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(targetId))
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return (long)(new SplitMix64((ulong)seed ^ h).NextUInt64().Value >> 1);
    }
}

/// <summary>
/// Retain batches R drawn from the retain set D_train \ F_id: every step takes the next <c>size</c>
/// sequences of a seeded permutation, reshuffled when it runs out (sampling without replacement within a pass).
/// </summary>
public sealed class RetainBatches
{
    private readonly IReadOnlyList<int[]> _pool;
    private readonly int _size;
    private SplitMix64 _random;
    private readonly int[] _order;
    private int _at;

    public RetainBatches(IReadOnlyList<int[]> pool, int size, long seed)
    {
        if (size < 1 || size > pool.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"a retain batch of 1 to {pool.Count} sequences");
        }

        _pool = pool;
        _size = size;
        _random = new SplitMix64((ulong)seed);
        _order = Enumerable.Range(0, pool.Count).ToArray();
        _at = pool.Count;
    }

    public IReadOnlyList<int[]> Next()
    {
        var batch = new int[_size][];
        for (int i = 0; i < _size; i++)
        {
            if (_at >= _order.Length)
            {
                // Fisher–Yates with SplitMix64: the same batches on every runtime.
                for (int k = _order.Length - 1; k > 0; k--)
                {
                    (int j, _random) = _random.NextIndex(k + 1);
                    (_order[k], _order[j]) = (_order[j], _order[k]);
                }

                _at = 0;
            }

            batch[i] = _pool[_order[_at++]];
        }

        return batch;
    }
}

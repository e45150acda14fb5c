using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Tensors.Buffers;
using Unlearning.Tensors.Randomness;

namespace Unlearning.Core.Model;

/// <summary>
/// A GPT-2 parameter set: one float[] per Hugging Face tensor, in <see cref="Gpt2Config.Parameters"/>
/// order, addressable by HF name (<c>h.0.attn.c_attn.weight</c>). Also used for gradients and
/// optimizer moments. Treated as a value: the engine never writes into a set it was given as input
/// (a training step writes a new one), so holders may share it freely.
/// </summary>
public sealed class Gpt2Weights
{
    /// <summary>Tensors per transformer block, in the order of <see cref="Gpt2Config.Parameters"/>.</summary>
    public const int PerLayer = 12;

    private readonly Dictionary<string, int> _index;
    private readonly Lock _materialize = new();
    private Tensor[]? _arrays;
    private Func<IReadOnlyList<float[]>>? _download;

    private Gpt2Weights(Gpt2Config config, IReadOnlyList<ParameterSpec> specs, Tensor[]? tensors, Func<IReadOnlyList<float[]>>? download = null, object? resident = null)
    {
        Config = config;
        Specs = specs;
        _arrays = tensors;
        _download = download;
        Resident = resident;
        _index = new Dictionary<string, int>(specs.Count, StringComparer.Ordinal);
        for (int i = 0; i < specs.Count; i++)
        {
            _index[specs[i].Name] = i;
        }
    }

    public Gpt2Config Config { get; }

    /// <summary>
    /// An engine's own copy of these weights on its device (opaque to everyone else), or null. The
    /// engine that made it may compute with it directly instead of copying the arrays over again.
    /// </summary>
    public object? Resident { get; }

    public IReadOnlyList<ParameterSpec> Specs { get; }

    public int Count => Specs.Count;

    /// <summary>The tensor with this HF name (KeyNotFoundException names it when absent).</summary>
    public float[] this[string name] => _index.TryGetValue(name, out int i)
        ? Arrays[i].Data
        : throw new KeyNotFoundException($"GPT-2 has no parameter \"{name}\"");

    public float[] this[int index] => Arrays[index].Data;

    public Tensor Tensor(int index) => Arrays[index];

    public bool Contains(string name) => _index.ContainsKey(name);

    public int IndexOf(string name) => _index.TryGetValue(name, out int i) ? i : -1;

    /// <summary>Index of block <paramref name="layer"/>'s k-th tensor (k in 0..11, HF order).</summary>
    public static int LayerIndex(int layer, int k) => 2 + (PerLayer * layer) + k;

    public static int LnFWeight(Gpt2Config c) => 2 + (PerLayer * c.NLayer);

    public static Gpt2Weights Zeros(Gpt2Config config)
    {
        var specs = config.Parameters();
        return new Gpt2Weights(config, specs, specs.Select(s => Tensors.Buffers.Tensor.Zeros(s.Shape)).ToArray());
    }

    /// <summary>
    /// GPT-2's initialisation (HF <c>_init_weights</c>): every weight matrix and both embeddings
    /// N(0, 0.02²); the residual projections <c>attn.c_proj.weight</c> and <c>mlp.c_proj.weight</c>
    /// N(0, (0.02/sqrt(2·n_layer))²); biases 0; LayerNorm weights 1. Tensor i draws from its own
    /// stream (seed, i), so the result depends on neither the order tensors are filled in nor
    /// <paramref name="threads"/>.
    /// </summary>
    public static Gpt2Weights Init(Gpt2Config config, ulong seed, int threads = 1)
    {
        var w = Zeros(config);
        double residualStd = 0.02 / Math.Sqrt(2.0 * config.NLayer);
        Tensors.Parallelism.ParallelLoop.For(w.Count, threads, i =>
        {
            var spec = w.Specs[i];
            var data = w[i];
            if (spec.Name.EndsWith("ln_1.weight", StringComparison.Ordinal)
                || spec.Name.EndsWith("ln_2.weight", StringComparison.Ordinal)
                || spec.Name == "ln_f.weight")
            {
                Array.Fill(data, 1f);
            }
            else if (spec.Shape.Length == 2)
            {
                double std = spec.Name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02;
                GaussianRng.ForStream(seed, (ulong)i).FillNormal(data, 0, std);
            }
        });
        return w;
    }

    /// <summary>
    /// Wraps arrays given by HF name (a checkpoint) after checking that every tensor is present with
    /// the size its shape needs and that no unknown name is given. The arrays are used as they are.
    /// </summary>
    public static Either<InputError, Gpt2Weights> FromArrays(Gpt2Config config, IReadOnlyDictionary<string, float[]> arrays, string where = "weights")
    {
        var specs = config.Parameters();
        var tensors = new Tensor[specs.Count];
        for (int i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            if (!arrays.TryGetValue(spec.Name, out var data))
            {
                return new InputError(where, spec.Name, $"a tensor of shape [{string.Join(", ", spec.Shape)}]", "nothing");
            }

            if (data.LongLength != spec.ElementCount)
            {
                return new InputError(where, spec.Name, $"{spec.ElementCount} elements (shape [{string.Join(", ", spec.Shape)}])", $"{data.LongLength}");
            }

            tensors[i] = new Tensor(data, spec.Shape);
        }

        foreach (string name in arrays.Keys)
        {
            if (!specs.Any(s => s.Name == name))
            {
                return new InputError(where, name, "a GPT-2 parameter name such as h.0.attn.c_attn.weight", "an unknown tensor");
            }
        }

        return new Gpt2Weights(config, specs, tensors);
    }

    /// <summary>
    /// Weights that live on an engine's device: the arrays are filled by <paramref name="download"/>
    /// (one array per parameter, in <see cref="Gpt2Config.Parameters"/> order) the first time anyone
    /// reads them, so a training loop that only hands states back to its engine never copies them.
    /// </summary>
    public static Gpt2Weights Deferred(Gpt2Config config, object resident, Func<IReadOnlyList<float[]>> download) =>
        new(config, config.Parameters(), null, download, resident);

    /// <summary>True while the arrays of deferred weights have not been read yet.</summary>
    public bool IsDeferred => Volatile.Read(ref _arrays) is null;

    /// <summary>A deep copy.</summary>
    public Gpt2Weights Clone() => new(Config, Specs, Arrays.Select(t => t.Clone()).ToArray());

    /// <summary>A set of the same shapes with uninitialised (zero) contents.</summary>
    public Gpt2Weights ZerosLike() => new(Config, Specs, Specs.Select(s => Tensors.Buffers.Tensor.Zeros(s.Shape)).ToArray());

    public IReadOnlyDictionary<string, float[]> ToDictionary() =>
        Specs.Select((s, i) => (s.Name, Data: Arrays[i].Data)).ToDictionary(p => p.Name, p => p.Data, StringComparer.Ordinal);

    /// <summary>‖θ‖₂ over every tensor, summed in double.</summary>
    public double Norm() => Math.Sqrt(Arrays.Sum(t => SumSquares(t.Data)));

    /// <summary>‖a − b‖₂ over every tensor (e.g. the drift ‖θt − θ0‖), summed in double.</summary>
    public static double Distance(Gpt2Weights a, Gpt2Weights b)
    {
        if (a.Config != b.Config)
        {
            throw new ArgumentException($"weight sets of different configurations: {a.Config} and {b.Config}");
        }

        double sum = 0;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            var y = b[i];
            for (int j = 0; j < x.Length; j++)
            {
                double d = (double)x[j] - y[j];
                sum += d * d;
            }
        }

        return Math.Sqrt(sum);
    }

    private Tensor[] Arrays
    {
        get
        {
            if (Volatile.Read(ref _arrays) is { } arrays)
            {
                return arrays;
            }

            lock (_materialize)
            {
                if (_arrays is null)
                {
                    var data = _download!();
                    var tensors = new Tensor[Specs.Count];
                    for (int i = 0; i < tensors.Length; i++)
                    {
                        tensors[i] = new Tensor(data[i], Specs[i].Shape);
                    }

                    Volatile.Write(ref _arrays, tensors);
                    _download = null;
                }

                return _arrays;
            }
        }
    }

    private static double SumSquares(float[] x)
    {
        double s = 0;
        foreach (float v in x)
        {
            s += (double)v * v;
        }

        return s;
    }
}

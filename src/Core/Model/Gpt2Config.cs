using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Model;

/// <summary>
/// GPT-2 hyperparameters with Hugging Face's field names (config.json): <c>vocab_size</c>,
/// <c>n_positions</c>, <c>n_embd</c>, <c>n_layer</c>, <c>n_head</c>, <c>layer_norm_epsilon</c>.
/// The MLP width is 4·n_embd and the activation GELU (tanh approximation, HF's "gelu_new").
/// </summary>
public sealed record Gpt2Config(
    int VocabSize,
    int NPositions,
    int NEmbd,
    int NLayer,
    int NHead,
    double LayerNormEpsilon = 1e-5)
{
    public int HeadSize => NEmbd / NHead;

    /// <summary>
    /// Id of the BOS token (<c>&lt;|endoftext|&gt;</c>, HF <c>bos_token_id</c>) prepended to every
    /// sequence; when not set, the last id of the vocabulary (50256 for GPT-2's 50257).
    /// </summary>
    public int? BosTokenId { get; init; }

    public int Bos => BosTokenId ?? (VocabSize - 1);

    public int MlpWidth => 4 * NEmbd;

    /// <summary>Checks every field against its limit before any work starts.</summary>
    public static Either<InputError, Gpt2Config> Validate(Gpt2Config c, string where = "model configuration")
    {
        static InputError Bad(string where, string field, string expected, object found) =>
            new(where, field, expected, Convert.ToString(found, System.Globalization.CultureInfo.InvariantCulture) ?? "null");

        if (c.VocabSize < 1)
        {
            return Bad(where, "vocab_size", "a positive integer", c.VocabSize);
        }

        if (c.NPositions < 1)
        {
            return Bad(where, "n_positions", "a positive integer", c.NPositions);
        }

        if (c.NLayer < 1)
        {
            return Bad(where, "n_layer", "a positive integer", c.NLayer);
        }

        if (c.NHead < 1)
        {
            return Bad(where, "n_head", "a positive integer", c.NHead);
        }

        if (c.NEmbd < 1 || c.NEmbd % c.NHead != 0)
        {
            return Bad(where, "n_embd", $"a positive multiple of n_head ({c.NHead})", c.NEmbd);
        }

        if (!(c.LayerNormEpsilon > 0) || double.IsInfinity(c.LayerNormEpsilon))
        {
            return Bad(where, "layer_norm_epsilon", "a positive finite number", c.LayerNormEpsilon);
        }

        if (c.BosTokenId is int bos && (bos < 0 || bos >= c.VocabSize))
        {
            return Bad(where, "bos_token_id", $"a token id in [0, vocab_size = {c.VocabSize})", bos);
        }

        return c;
    }

    /// <summary>
    /// Every parameter tensor with its Hugging Face name and shape, in a fixed order. Conv1D weights
    /// are laid out [in, out]; the LM head is tied to <c>wte.weight</c> and has no tensor of its own.
    /// </summary>
    public IReadOnlyList<ParameterSpec> Parameters()
    {
        int c = NEmbd;
        var list = new List<ParameterSpec>
        {
            new("wte.weight", [VocabSize, c]),
            new("wpe.weight", [NPositions, c]),
        };
        for (int l = 0; l < NLayer; l++)
        {
            string h = $"h.{l}.";
            list.Add(new(h + "ln_1.weight", [c]));
            list.Add(new(h + "ln_1.bias", [c]));
            list.Add(new(h + "attn.c_attn.weight", [c, 3 * c]));
            list.Add(new(h + "attn.c_attn.bias", [3 * c]));
            list.Add(new(h + "attn.c_proj.weight", [c, c]));
            list.Add(new(h + "attn.c_proj.bias", [c]));
            list.Add(new(h + "ln_2.weight", [c]));
            list.Add(new(h + "ln_2.bias", [c]));
            list.Add(new(h + "mlp.c_fc.weight", [c, 4 * c]));
            list.Add(new(h + "mlp.c_fc.bias", [4 * c]));
            list.Add(new(h + "mlp.c_proj.weight", [4 * c, c]));
            list.Add(new(h + "mlp.c_proj.bias", [c]));
        }

        list.Add(new("ln_f.weight", [c]));
        list.Add(new("ln_f.bias", [c]));
        return list;
    }

    public long ParameterCount() => Parameters().Sum(p => p.ElementCount);
}

/// <summary>A named parameter tensor's shape, row-major.</summary>
public sealed record ParameterSpec(string Name, int[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

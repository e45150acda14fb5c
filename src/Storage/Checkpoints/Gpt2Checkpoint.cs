using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Unlearning.Core.Model;

namespace Unlearning.Storage.Checkpoints;

/// <summary>The tokenizer files a checkpoint folder carries: GPT-2's byte-level BPE as vocab.json + merges.txt.</summary>
public sealed record TokenizerFiles(string VocabJson, string MergesTxt);

/// <summary>What a checkpoint folder holds besides the weights: token ids the HF config names.</summary>
public sealed record CheckpointOptions
{
    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>, HF's <c>bos_token_id</c> and <c>eos_token_id</c> (null: vocab_size − 1, GPT-2's convention).</summary>
    public int? EndOfTextId { get; init; }

    /// <summary>Extra safetensors <c>__metadata__</c> entries (e.g. the run id and step). <c>format: pt</c> is always written.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public TokenizerFiles? Tokenizer { get; init; }
}

/// <summary>
/// Hugging Face GPT-2 checkpoint folders (SPEC §9): <c>config.json</c> (GPT2Config fields),
/// <c>model.safetensors</c> (HF tensor names, Conv1D weights [in, out], no lm_head: it is tied to
/// wte) and optionally <c>vocab.json</c> + <c>merges.txt</c>. Saving replaces the folder's files
/// atomically one by one (each under a temporary name, then renamed; config.json last, so a
/// folder with a config always has its weights). Loading checks every tensor against the
/// configuration and names the first mismatch.
/// </summary>
public static class Gpt2Checkpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";

    public static void Save(string directory, Gpt2Config config, IReadOnlyList<NamedTensor> tensors, CheckpointOptions? options = null)
    {
        options ??= new CheckpointOptions();
        Gpt2Config.Validate(config).IfLeft(e => throw new ArgumentException(e.ToString()));
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var ordered = new List<NamedTensor>();
        foreach (var spec in config.Parameters())
        {
            if (!byName.Remove(spec.Name, out var t))
            {
                throw new ArgumentException($"checkpoint for {directory}: tensor {spec.Name} is missing");
            }

            if (!t.Shape.SequenceEqual(spec.Shape) || t.Data.Length != spec.ElementCount)
            {
                throw new ArgumentException($"checkpoint for {directory}: tensor {spec.Name} has shape [{string.Join(", ", t.Shape)}] ({t.Data.Length} values), the configuration says [{string.Join(", ", spec.Shape)}]");
            }

            ordered.Add(t);
        }

        if (byName.Count > 0)
        {
            throw new ArgumentException($"checkpoint for {directory}: tensor {byName.Keys.Order(StringComparer.Ordinal).First()} is not a GPT-2 parameter");
        }

        Directory.CreateDirectory(directory);
        var metadata = new Dictionary<string, string>(options.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["format"] = "pt" };
        SafeTensors.Write(Path.Combine(directory, WeightsFile), ordered, metadata);
        if (options.Tokenizer is { } tok)
        {
            AtomicFile.Write(Path.Combine(directory, VocabFile), s => s.Write(File.ReadAllBytes(tok.VocabJson)));
            AtomicFile.Write(Path.Combine(directory, MergesFile), s => s.Write(File.ReadAllBytes(tok.MergesTxt)));
        }

        AtomicFile.WriteText(Path.Combine(directory, ConfigFile), ConfigJson(config, options.EndOfTextId ?? (config.VocabSize - 1)));
    }

    /// <summary>
    /// HF's GPT2Config as transformers writes it. Dropouts are 0: our models train without dropout,
    /// and HF applies them only in training mode anyway.
    /// </summary>
    public static string ConfigJson(Gpt2Config c, int endOfTextId)
    {
        var o = new JsonObject
        {
            ["activation_function"] = "gelu_new",
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["attn_pdrop"] = 0.0,
            ["bos_token_id"] = endOfTextId,
            ["embd_pdrop"] = 0.0,
            ["eos_token_id"] = endOfTextId,
            ["initializer_range"] = 0.02,
            ["layer_norm_epsilon"] = c.LayerNormEpsilon,
            ["model_type"] = "gpt2",
            ["n_ctx"] = c.NPositions,
            ["n_embd"] = c.NEmbd,
            ["n_head"] = c.NHead,
            ["n_inner"] = null,
            ["n_layer"] = c.NLayer,
            ["n_positions"] = c.NPositions,
            ["reorder_and_upcast_attn"] = false,
            ["resid_pdrop"] = 0.0,
            ["scale_attn_by_inverse_layer_idx"] = false,
            ["scale_attn_weights"] = true,
            ["summary_activation"] = null,
            ["summary_first_dropout"] = 0.0,
            ["summary_proj_to_labels"] = true,
            ["summary_type"] = "cls_index",
            ["summary_use_proj"] = true,
            ["tie_word_embeddings"] = true,
            ["torch_dtype"] = "float32",
            ["use_cache"] = true,
            ["vocab_size"] = c.VocabSize,
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads and validates config.json: GPT-2 fields with the right types; errors name the file and the field.</summary>
    public static Gpt2Config ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path))
        {
            throw new StorageFormatException(path, "file", "a Hugging Face config.json", "no such file");
        }

        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new StorageFormatException(path, "config", "a JSON object", e.Message, e);
        }

        if (o["model_type"]?.GetValueKind() != JsonValueKind.String || (string?)o["model_type"] != "gpt2")
        {
            throw new StorageFormatException(path, "model_type", "\"gpt2\"", o["model_type"]?.ToJsonString() ?? "missing");
        }

        if (o["activation_function"] is { } act && (act.GetValueKind() != JsonValueKind.String || (string?)act is not ("gelu_new" or "gelu_pytorch_tanh")))
        {
            throw new StorageFormatException(path, "activation_function", "\"gelu_new\" (GELU, tanh approximation)", act.ToJsonString());
        }

        if (o["n_inner"] is { } inner && inner.GetValueKind() != JsonValueKind.Null)
        {
            int nEmbd = Int(path, o, "n_embd");
            if (Int(path, o, "n_inner") != 4 * nEmbd)
            {
                throw new StorageFormatException(path, "n_inner", $"null or 4·n_embd ({4 * nEmbd})", inner.ToJsonString());
            }
        }

        if (o["tie_word_embeddings"] is { } tie && tie.GetValueKind() == JsonValueKind.False)
        {
            throw new StorageFormatException(path, "tie_word_embeddings", "true (the LM head is the embedding)", "false");
        }

        double eps = o["layer_norm_epsilon"] is { } e1 && e1.GetValueKind() == JsonValueKind.Number ? e1.GetValue<double>()
            : o["layer_norm_epsilon"] is null ? 1e-5
            : throw new StorageFormatException(path, "layer_norm_epsilon", "a number", o["layer_norm_epsilon"]!.ToJsonString());
        var config = new Gpt2Config(Int(path, o, "vocab_size"), Int(path, o, "n_positions"), Int(path, o, "n_embd"), Int(path, o, "n_layer"), Int(path, o, "n_head"), eps);
        return Gpt2Config.Validate(config, path).Match(c => c, e => throw new StorageFormatException(path, e.Field, e.Expected, e.Found));
    }

    private static int Int(string path, JsonObject o, string field)
    {
        var n = o[field];
        if (n is null || n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<int>(out int v))
        {
            throw new StorageFormatException(path, field, "an integer", n?.ToJsonString() ?? "missing");
        }

        return v;
    }

    /// <summary>
    /// Loads a checkpoint folder into destinations the caller provides, one per parameter of the
    /// configuration (in <see cref="Gpt2Config.Parameters"/> order): the data goes from the file
    /// straight into them, so loading needs no second copy of the weights. Accepts HF's
    /// <c>transformer.</c> prefix, ignores the <c>attn.bias</c>/<c>attn.masked_bias</c> buffers, and
    /// accepts an <c>lm_head.weight</c> only if it equals <c>wte.weight</c> (the head is tied).
    /// </summary>
    public static Gpt2Config Load(string directory, Func<ParameterSpec, Memory<float>> destination)
    {
        var config = ReadConfig(directory);
        var path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path))
        {
            throw new StorageFormatException(path, "file", "model.safetensors", "no such file");
        }

        using var handle = SafeTensors.OpenRead(path);
        var header = SafeTensors.ReadHeader(path, handle);
        var byName = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        SafeTensorEntry? lmHead = null;
        foreach (var e in header.Entries)
        {
            string name = e.Name.StartsWith("transformer.", StringComparison.Ordinal) ? e.Name["transformer.".Length..] : e.Name;
            if (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal))
            {
                continue;
            }

            if (name == "lm_head.weight")
            {
                lmHead = e;
                continue;
            }

            if (!byName.TryAdd(name, e))
            {
                throw new StorageFormatException(path, $"tensor {e.Name}", "each parameter once", "a duplicate (with and without the transformer. prefix)");
            }
        }

        var specs = config.Parameters();
        foreach (var spec in specs)
        {
            if (!byName.TryGetValue(spec.Name, out var e))
            {
                throw new StorageFormatException(path, $"tensor {spec.Name}", $"shape [{string.Join(", ", spec.Shape)}] (from {ConfigFile})", "missing");
            }

            if (!e.Shape.SequenceEqual(spec.Shape))
            {
                throw new StorageFormatException(path, $"tensor {spec.Name}", $"shape [{string.Join(", ", spec.Shape)}] (from {ConfigFile})", e.ShapeText);
            }
        }

        var known = specs.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var extra = byName.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
        {
            throw new StorageFormatException(path, $"tensor {extra}", $"only the parameters of a GPT-2 with n_layer = {config.NLayer}", "an unexpected tensor");
        }

        Memory<float> wte = default;
        foreach (var spec in specs)
        {
            var target = destination(spec);
            if (target.Length != spec.ElementCount)
            {
                throw new ArgumentException($"the destination for {spec.Name} holds {target.Length} values, the tensor {spec.ElementCount}");
            }

            SafeTensors.ReadInto(handle, header, byName[spec.Name], target.Span);
            if (spec.Name == "wte.weight")
            {
                wte = target;
            }
        }

        if (lmHead is not null)
        {
            CheckTiedHead(handle, header, lmHead, wte.Span, config, path);
        }

        return config;
    }

    /// <summary>Loads into freshly allocated arrays, one per parameter.</summary>
    public static (Gpt2Config Config, IReadOnlyList<NamedTensor> Tensors) Load(string directory)
    {
        var tensors = new List<NamedTensor>();
        var config = Load(directory, spec =>
        {
            var data = new float[spec.ElementCount];
            tensors.Add(new NamedTensor(spec.Name, spec.Shape, data));
            return data;
        });
        return (config, tensors);
    }

    private static void CheckTiedHead(Microsoft.Win32.SafeHandles.SafeFileHandle handle, SafeTensorsHeader header, SafeTensorEntry head, ReadOnlySpan<float> wte, Gpt2Config config, string path)
    {
        if (!head.Shape.SequenceEqual([config.VocabSize, config.NEmbd]))
        {
            throw new StorageFormatException(path, "tensor lm_head.weight", $"shape [{config.VocabSize}, {config.NEmbd}] equal to wte.weight (tied)", head.ShapeText);
        }

        // Compare a row at a time so the check costs one row of memory, not a second embedding.
        var row = new float[config.NEmbd];
        var rowEntry = head with { Shape = [config.NEmbd] };
        long rowBytes = (head.End - head.Begin) / config.VocabSize;
        for (int v = 0; v < config.VocabSize; v++)
        {
            var e = rowEntry with { Begin = head.Begin + (v * rowBytes), End = head.Begin + ((v + 1) * rowBytes) };
            SafeTensors.ReadInto(handle, header, e, row);
            if (!row.AsSpan().SequenceEqual(wte.Slice(v * config.NEmbd, config.NEmbd)))
            {
                throw new StorageFormatException(path, "tensor lm_head.weight", "equal to wte.weight (GPT-2 ties them)", $"a different row {v.ToString(CultureInfo.InvariantCulture)}");
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Model;
using Unlearning.Storage;
using Unlearning.Storage.Checkpoints;

namespace Unlearning.Properties.Storage;

[Properties(Arbitrary = new[] { typeof(StorageArbitraries) })]
public sealed class CheckpointTests : IDisposable
{
    private static readonly Gpt2Config Tiny = new(VocabSize: 50, NPositions: 16, NEmbd: 8, NLayer: 2, NHead: 2);
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static NamedTensor[] Weights(Gpt2Config c, int seed)
    {
        var rng = new Random(seed);
        return c.Parameters().Select(p => new NamedTensor(p.Name, p.Shape, Enumerable.Range(0, (int)p.ElementCount).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray())).ToArray();
    }

    private static string Bits(NamedTensor t) => t.Name + "[" + string.Join(',', t.Shape) + "]" + string.Join(',', t.Data.Select(BitConverter.SingleToInt32Bits));

    [Property(MaxTest = 50)]
    public void Safetensors_round_trip_every_tensor_bit_for_bit_with_an_aligned_space_padded_header(NamedTensor[] tensors)
    {
        var path = Path.Combine(_dir, "t.safetensors");
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["run"] = "r1" });
        var back = SafeTensors.ReadAll(path);
        Assert.Equal(tensors.Select(Bits), back.Select(Bits));
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, n % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Equal(header.TrimEnd(' ').Length, header.TrimEnd(' ').TrimEnd().Length);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
        Assert.Equal("r1", SafeTensors.ReadHeader(path).Metadata["run"]);
        Assert.Equal(8 + n + (4L * tensors.Sum(t => t.Data.Length)), bytes.Length);
    }

    [Fact]
    public void Python_reads_our_safetensors_with_an_independent_parser()
    {
        var weights = Weights(Tiny, 1);
        Gpt2Checkpoint.Save(_dir, Tiny, weights);
        var script = """
import json, struct, sys, numpy as np
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
out = {}
for name, e in header.items():
    if name == '__metadata__':
        out[name] = e
        continue
    b, end = e['data_offsets']
    a = np.frombuffer(data[b:end], dtype='<f4').reshape(e['shape'])
    out[name] = {'shape': list(a.shape), 'sum': float(a.astype(np.float64).sum()), 'first': float(a.flat[0])}
print(json.dumps(out))
""";
        var result = JsonNode.Parse(Python(script, Path.Combine(_dir, Gpt2Checkpoint.WeightsFile)))!.AsObject();
        Assert.Equal("pt", (string?)result["__metadata__"]!["format"]);
        Assert.Equal(weights.Length + 1, result.Count);
        foreach (var w in weights)
        {
            var e = result[w.Name]!;
            Assert.Equal(w.Shape, e["shape"]!.AsArray().Select(x => (int)x!));
            Assert.Equal(w.Data.Sum(x => (double)x), (double)e["sum"]!, 9);
            Assert.Equal(w.Data[0], (float)(double)e["first"]!);
        }
    }

    [Fact]
    public void A_checkpoint_in_Hugging_Faces_own_layout_loads_prefix_buffers_and_tied_head_included()
    {
        // Written by Python the way transformers' save_pretrained does for GPT2LMHeadModel with older
        // versions: "transformer." prefix, attn.bias / attn.masked_bias buffers, lm_head.weight = wte,
        // keys sorted, header padded with spaces to 8 bytes, some tensors in F16.
        var script = """
import json, struct, sys, numpy as np
d, V, P, C, L = sys.argv[1], 50, 16, 8, 2
rng = np.random.default_rng(3)
t = {}
t['transformer.wte.weight'] = rng.standard_normal((V, C)).astype('<f4')
t['transformer.wpe.weight'] = rng.standard_normal((P, C)).astype('<f4')
for l in range(L):
    h = f'transformer.h.{l}.'
    for n, s in [('ln_1.weight', (C,)), ('ln_1.bias', (C,)), ('attn.c_attn.weight', (C, 3*C)), ('attn.c_attn.bias', (3*C,)),
                 ('attn.c_proj.weight', (C, C)), ('attn.c_proj.bias', (C,)), ('ln_2.weight', (C,)), ('ln_2.bias', (C,)),
                 ('mlp.c_fc.weight', (C, 4*C)), ('mlp.c_fc.bias', (4*C,)), ('mlp.c_proj.weight', (4*C, C)), ('mlp.c_proj.bias', (C,))]:
        t[h + n] = rng.standard_normal(s).astype('<f2' if n.endswith('bias') else '<f4')
    t[h + 'attn.bias'] = np.tril(np.ones((P, P), dtype='<f4')).reshape(1, 1, P, P)
    t[h + 'attn.masked_bias'] = np.array(-1e4, dtype='<f4')
t['transformer.ln_f.weight'] = np.ones(C, dtype='<f4')
t['transformer.ln_f.bias'] = np.zeros(C, dtype='<f4')
t['lm_head.weight'] = t['transformer.wte.weight'].copy()
header, off, blobs = {'__metadata__': {'format': 'pt'}}, 0, []
for k in sorted(t):
    a = t[k]
    b = a.tobytes()
    header[k] = {'dtype': 'F16' if a.dtype == np.float16 else 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
    off += len(b)
    blobs.append(b)
h = json.dumps(header, separators=(',', ':')).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
with open(d + '/model.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h); [f.write(b) for b in blobs]
json.dump({'model_type': 'gpt2', 'vocab_size': V, 'n_positions': P, 'n_ctx': P, 'n_embd': C, 'n_layer': L, 'n_head': 2,
           'layer_norm_epsilon': 1e-5, 'activation_function': 'gelu_new', 'n_inner': None}, open(d + '/config.json', 'w'))
print(json.dumps({k[len('transformer.'):] if k.startswith('transformer.') else k: float(v.astype(np.float64).sum()) for k, v in t.items()}))
""";
        var hf = Path.Combine(_dir, "hf");
        Directory.CreateDirectory(hf);
        var sums = JsonNode.Parse(Python(script, hf))!.AsObject();
        var (config, tensors) = Gpt2Checkpoint.Load(hf);
        Assert.Equal(Tiny, config);
        Assert.Equal(Tiny.Parameters().Select(p => p.Name), tensors.Select(t => t.Name));
        foreach (var t in tensors)
        {
            Assert.Equal((double)sums[t.Name]!, t.Data.Sum(x => (double)x), 4);
        }
    }

    [Fact]
    public void Save_then_load_returns_the_same_weights_config_and_tokenizer_files()
    {
        var vocab = Path.Combine(_dir, "v.json");
        var merges = Path.Combine(_dir, "m.txt");
        File.WriteAllText(vocab, "{\"a\":0,\"<|endoftext|>\":49}");
        File.WriteAllText(merges, "#version: 0.2\na b\n");
        var folder = Path.Combine(_dir, "model");
        var weights = Weights(Tiny, 2);
        Gpt2Checkpoint.Save(folder, Tiny, weights, new CheckpointOptions { Tokenizer = new(vocab, merges), EndOfTextId = 49 });
        var (config, back) = Gpt2Checkpoint.Load(folder);
        Assert.Equal(Tiny, config);
        Assert.Equal(weights.Select(Bits), back.Select(Bits));
        Assert.Equal(File.ReadAllText(vocab), File.ReadAllText(Path.Combine(folder, "vocab.json")));
        Assert.Equal(File.ReadAllText(merges), File.ReadAllText(Path.Combine(folder, "merges.txt")));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal("gpt2", (string?)json["model_type"]);
        Assert.Equal("gelu_new", (string?)json["activation_function"]);
        Assert.Equal("GPT2LMHeadModel", (string?)json["architectures"]![0]);
        Assert.Equal(16, (int)json["n_ctx"]!);
        Assert.Null(json["n_inner"]);
        Assert.Equal(49, (int)json["eos_token_id"]!);
        Assert.Empty(Directory.GetFiles(folder, "*.partial"));
    }

    [Fact]
    public void Loading_checks_every_name_and_shape_and_names_the_first_mismatch()
    {
        var folder = Path.Combine(_dir, "bad");
        Gpt2Checkpoint.Save(folder, Tiny, Weights(Tiny, 3));
        var weightsPath = Path.Combine(folder, Gpt2Checkpoint.WeightsFile);
        var good = SafeTensors.ReadAll(weightsPath);

        // Transposed c_attn weight (the classic Linear vs Conv1D mistake).
        SafeTensors.Write(weightsPath, good.Select(t => t.Name == "h.1.attn.c_attn.weight" ? t with { Shape = [24, 8] } : t));
        var e = Assert.Throws<StorageFormatException>(() => Gpt2Checkpoint.Load(folder));
        Assert.Equal($"{weightsPath}: tensor h.1.attn.c_attn.weight: expected shape [8, 24] (from config.json), found [24, 8]", e.Message);

        SafeTensors.Write(weightsPath, good.Where(t => t.Name != "h.0.mlp.c_fc.bias"));
        e = Assert.Throws<StorageFormatException>(() => Gpt2Checkpoint.Load(folder));
        Assert.Contains("tensor h.0.mlp.c_fc.bias: expected shape [32] (from config.json), found missing", e.Message, StringComparison.Ordinal);

        SafeTensors.Write(weightsPath, good.Append(new NamedTensor("h.2.ln_1.weight", [8], new float[8])));
        e = Assert.Throws<StorageFormatException>(() => Gpt2Checkpoint.Load(folder));
        Assert.Contains("tensor h.2.ln_1.weight", e.Message, StringComparison.Ordinal);

        var wte = good.Single(t => t.Name == "wte.weight");
        var head = wte.Data.ToArray();
        head[123] += 1;
        SafeTensors.Write(weightsPath, good.Append(new NamedTensor("lm_head.weight", wte.Shape, head)));
        e = Assert.Throws<StorageFormatException>(() => Gpt2Checkpoint.Load(folder));
        Assert.Contains("lm_head.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("row 15", e.Message, StringComparison.Ordinal);

        SafeTensors.Write(weightsPath, good.Append(wte with { Name = "lm_head.weight" }));
        Assert.Equal(Tiny, Gpt2Checkpoint.Load(folder).Config);

        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"model_type\":\"llama\",\"vocab_size\":50}");
        e = Assert.Throws<StorageFormatException>(() => Gpt2Checkpoint.Load(folder));
        Assert.Contains("model_type: expected \"gpt2\", found \"llama\"", e.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, "config.json"), Gpt2Checkpoint.ConfigJson(Tiny, 49).Replace("\"n_head\": 2", "\"n_head\": 3", StringComparison.Ordinal));
        e = Assert.Throws<StorageFormatException>(() => Gpt2Checkpoint.Load(folder));
        Assert.Contains("n_embd: expected a positive multiple of n_head (3), found 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_or_corrupt_safetensors_are_errors_naming_the_file()
    {
        var path = Path.Combine(_dir, "c.safetensors");
        SafeTensors.Write(path, Weights(Tiny, 4));
        var bytes = File.ReadAllBytes(path);
        var bad = Path.Combine(_dir, "bad.safetensors");
        var rng = new Random(9);
        foreach (int length in Enumerable.Range(0, 40).Select(_ => rng.Next(bytes.Length)).Concat([0, 7, 8, 9, bytes.Length - 1]))
        {
            File.WriteAllBytes(bad, bytes[..length]);
            var e = Assert.Throws<StorageFormatException>(() => SafeTensors.ReadAll(bad));
            Assert.Contains(bad, e.Message, StringComparison.Ordinal);
        }

        long n = BitConverter.ToInt64(bytes, 0);
        for (int k = 0; k < 300; k++)
        {
            // Any flip in the length or JSON header: an error, or a header that still parses to the same layout.
            var copy = (byte[])bytes.Clone();
            int at = rng.Next((int)n + 8);
            copy[at] ^= (byte)rng.Next(1, 256);
            File.WriteAllBytes(bad, copy);
            try
            {
                var back = SafeTensors.ReadAll(bad);
                Assert.Equal(back.Sum(t => t.Data.Length), Weights(Tiny, 4).Sum(t => t.Data.Length));
            }
            catch (StorageFormatException e)
            {
                Assert.Contains(bad, e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Loading_streams_into_the_callers_arrays_without_a_second_copy()
    {
        // ~40 MB of weights; loading into preallocated arrays may allocate only small buffers.
        var big = new Gpt2Config(VocabSize: 8192, NPositions: 256, NEmbd: 256, NLayer: 6, NHead: 4);
        var folder = Path.Combine(_dir, "big");
        var weights = Weights(big, 5);
        Gpt2Checkpoint.Save(folder, big, weights);
        long bytes = new FileInfo(Path.Combine(folder, Gpt2Checkpoint.WeightsFile)).Length;
        var destinations = big.Parameters().ToDictionary(p => p.Name, p => new float[p.ElementCount]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Gpt2Checkpoint.Load(folder, p => destinations[p.Name]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < bytes / 20, $"loading {bytes} bytes allocated {allocated} bytes");
        Assert.Equal(weights.Select(Bits), big.Parameters().Select(p => Bits(new NamedTensor(p.Name, p.Shape, destinations[p.Name]))));
    }

    internal static string Python(string script, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "python failed: " + stderr);
        return stdout.Result;
    }
}

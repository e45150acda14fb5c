using System.Buffers.Binary;
using System.Text;
using Unlearning.Core.Model;
using Unlearning.Host;
using Unlearning.Storage.Checkpoints;

namespace Unlearning.Properties.Reliability;

/// <summary>
/// Malformed inputs of every kind the tool reads, each refused with exit code 2 and a message that
/// names the file and the field, line or offset, with nothing written (no output folder, no report,
/// nothing on stdout). The counts of each kind are asserted, so that a case cannot silently drop out.
/// </summary>
public sealed class MalformedInputTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-malformed-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Runs each case; fails with one line per case that was not refused as it should be.</summary>
    private static void AssertRefused(IEnumerable<(string Name, Func<(int Code, string Output, string Error)> Run, string[] Named, Func<bool> NothingWritten)> cases)
    {
        var wrong = new List<string>();
        foreach (var (name, run, named, nothingWritten) in cases)
        {
            var (code, output, error) = run();
            if (code != ExitCodes.BadInput || output.Length > 0 || !nothingWritten() || named.Any(n => !error.Contains(n, StringComparison.Ordinal)))
            {
                wrong.Add($"{name}: exit {code}, stdout \"{output.Trim()}\", stderr \"{error.Trim()}\", expected to name {string.Join(" and ", named)}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    // ---- configuration files ------------------------------------------------------------------

    public static readonly (string Json, string Named)[] Configurations =
    [
        // wrong types
        ("""{"seed": "x"}""", "seed: expected an integer"),
        ("""{"training": {"steps": 1.5}}""", "training.steps: expected an integer"),
        ("""{"unlearning": {"early_stop": 1}}""", "unlearning.early_stop: expected true or false"),
        ("""{"data": {"brown": {"forget": []}}}""", "data.brown.forget: expected an integer"),
        ("""{"model": []}""", "model: expected a JSON object"),
        ("""{"evaluation": {"batch_size": null}}""", "evaluation.batch_size: expected an integer"),
        ("""{"training": {"schedule": 3}}""", "training.schedule: expected"),
        ("""{"model": {"n_head": true}}""", "model.n_head: expected an integer"),
        // unknown keys
        ("""{"modle": {}}""", "modle: expected a configuration key"),
        ("""{"model": {"n_layers": 2}}""", "model.n_layers: expected a configuration key"),
        ("""{"training": {"stepz": 5}}""", "training.stepz: expected a configuration key"),
        // NaN, infinities and huge numbers
        ("""{"training": {"learning_rate": NaN}}""", "BytePositionInLine: 31"),
        ("""{"training": {"learning_rate": "NaN"}}""", "training.learning_rate: expected a number"),
        ("""{"training": {"learning_rate": Infinity}}""", "BytePositionInLine: 31"),
        ("""{"training": {"steps": 1e400}}""", "training.steps: expected an integer"),
        ("""{"seed": 99999999999999999999999}""", "seed: expected an integer"),
        ("""{"training": {"learning_rate": 1e308}}""", "training.learning_rate: expected a number in (0, 10]"),
        ("""{"model": {"n_embd": 1000000000}}""", "model.n_embd: expected"),
        ("""{"unlearning": {"max_steps": -1}}""", "unlearning.max_steps: expected"),
        // truncated or not an object
        ("""{"training": {"steps": 5""", "BytePositionInLine: 24"),
        ("{", "BytePositionInLine: 1"),
        ("", "(file): expected a JSON object"),
        ("[1,2]", "(file): expected a JSON object, found an array"),
        ("null", "(file): expected a JSON object, found null"),
        ("""{"model": {"n_layer": 2}, "model": {"n_layer": 3}}""", "Duplicate property 'model'"),
    ];

    [Fact]
    public void Malformed_configuration_files_are_refused_naming_the_field_or_offset_and_nothing_is_created()
    {
        var cases = Configurations.Select((c, i) =>
        {
            var file = Path.Combine(_root, $"config-{i}.json");
            var outDir = Path.Combine(_root, $"out-{i}");
            return (c.Json, (Func<(int, string, string)>)(() =>
            {
                File.WriteAllText(file, c.Json);
                return Cli.Capture("run", "--config", file, "--out", outDir);
            }), new[] { file, c.Named }, (Func<bool>)(() => !Directory.Exists(outDir)));
        });
        AssertRefused(cases);
        Assert.Equal(25, Configurations.Length);
    }

    // ---- safetensors ----------------------------------------------------------------------------

    /// <summary>A safetensors file from its header JSON and <paramref name="dataBytes"/> bytes of data (zeros).</summary>
    private static byte[] SafeTensorsBytes(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private const string A = "\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}";

    public static readonly (string Name, byte[] Bytes, string Named)[] SafeTensorsFiles =
    [
        ("shorter than its length prefix", [1, 2, 3, 4], "header length"),
        ("header length past the file", SafeTensorsBytes("{" + A + "}", 16, 4096), "header length"),
        ("header length of 2^40", SafeTensorsBytes("{" + A + "}", 16, 1UL << 40), "header length"),
        ("header length zero", SafeTensorsBytes("{" + A + "}", 16, 0), "header length"),
        ("header not JSON", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]", 16), "header"),
        ("header an array", SafeTensorsBytes("[1, 2, 3, 4, 5, 6, 7]", 16), "header"),
        ("offsets past the data", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 64]}}", 16), "tensor a data_offsets"),
        ("offsets reversed", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [16, 0]}}", 16), "tensor a data_offsets"),
        ("offsets negative", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [-16, 0]}}", 16), "tensor a"),
        ("overlapping tensors", SafeTensorsBytes("{" + A + ", \"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 24), "data_offsets"),
        ("a hole between tensors", SafeTensorsBytes("{" + A + ", \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [24, 32]}}", 32), "data_offsets"),
        ("unknown dtype", SafeTensorsBytes("{\"a\": {\"dtype\": \"Q7\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", 16), "tensor a dtype"),
        ("integer dtype", SafeTensorsBytes("{\"a\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 16), "tensor a dtype"),
        ("shape larger than its bytes", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [3, 3], \"data_offsets\": [0, 16]}}", 16), "tensor a data_offsets"),
        ("negative shape", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [-2, -2], \"data_offsets\": [0, 16]}}", 16), "tensor a shape"),
        ("missing offsets", SafeTensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2]}}", 16), "a"),
        ("data truncated", SafeTensorsBytes("{" + A + "}", 8), "data"),
        ("data padded", SafeTensorsBytes("{" + A + "}", 24), "data"),
    ];

    [Fact]
    public void Malformed_safetensors_files_are_refused_naming_the_tensor_field_or_length()
    {
        var cases = SafeTensorsFiles.Select((c, i) =>
        {
            var file = Path.Combine(_root, $"t{i}.safetensors");
            return (c.Name, (Func<(int, string, string)>)(() =>
            {
                File.WriteAllBytes(file, c.Bytes);
                return Cli.Capture("inspect", file);
            }), new[] { file, c.Named }, (Func<bool>)(() => true));
        });
        AssertRefused(cases);
        Assert.Equal(18, SafeTensorsFiles.Length);
    }

    /// <summary>A checkpoint folder whose weights do not fit its config.json (another width, a tensor missing, one of another shape).</summary>
    [Fact]
    public void A_checkpoint_folder_whose_tensors_do_not_fit_its_configuration_is_refused_naming_the_tensor()
    {
        var gpt = new Gpt2Config(40, 8, 8, 1, 2);
        var weights = Gpt2Weights.Init(gpt, 1);
        var tensors = weights.Specs.Select((spec, i) => new NamedTensor(spec.Name, spec.Shape, weights[i])).ToList();
        string Folder(string name)
        {
            var dir = Path.Combine(_root, name);
            Gpt2Checkpoint.Save(dir, gpt, tensors);
            return dir;
        }

        var wider = Folder("wider-config");
        File.WriteAllText(Path.Combine(wider, "config.json"), File.ReadAllText(Path.Combine(wider, "config.json")).Replace("\"n_embd\": 8", "\"n_embd\": 16", StringComparison.Ordinal));
        var missing = Folder("missing-tensor");
        SafeTensors.Write(Path.Combine(missing, "model.safetensors"), tensors.Skip(1).ToList(), new Dictionary<string, string> { ["format"] = "pt" });
        var reshaped = Folder("reshaped-tensor");
        SafeTensors.Write(
            Path.Combine(reshaped, "model.safetensors"),
            [.. tensors.Select(t => t.Name == "wte.weight" ? t with { Shape = [t.Shape[1], t.Shape[0]] } : t)],
            new Dictionary<string, string> { ["format"] = "pt" });
        var badConfig = Folder("config-wrong-type");
        File.WriteAllText(Path.Combine(badConfig, "config.json"), File.ReadAllText(Path.Combine(badConfig, "config.json")).Replace("\"n_layer\": 1", "\"n_layer\": \"one\"", StringComparison.Ordinal));

        var cases = new (string Dir, string Named)[] { (wider, "wte.weight"), (missing, "wte.weight"), (reshaped, "wte.weight"), (badConfig, "n_layer") }
            .Select(c => (c.Dir, (Func<(int, string, string)>)(() => Cli.Capture("inspect", c.Dir)), new[] { c.Dir, c.Named }, (Func<bool>)(() => true)));
        AssertRefused(cases);
    }

    // ---- tokenizer files ------------------------------------------------------------------------

    [Fact]
    public void Malformed_tokenizer_files_are_refused_naming_the_file_and_the_entry_or_line()
    {
        var tokenizer = Core.Tokenization.BpeTokenizer.Train(
            Experiment.EndToEnd.Corpus(Core.Experiment.SourceNames.Brown).Select(d => d.Text), 300).Match(t => t, e => throw e.ToException());
        var valid = tokenizer.Save();
        var vocab = System.Text.Json.Nodes.JsonNode.Parse(valid.VocabJson)!.AsObject();
        string Vocab(Action<System.Text.Json.Nodes.JsonObject> change)
        {
            var copy = vocab.DeepClone().AsObject();
            change(copy);
            return copy.ToJsonString();
        }

        var first = vocab.First(kv => (int)kv.Value! == 0).Key;
        var mergeLines = valid.MergesTxt.Split('\n');
        var twoTokens = vocab.Where(kv => kv.Key.Length == 1).Take(2).Select(kv => kv.Key).ToArray();
        var unmergeable = twoTokens[0] + twoTokens[1] is var joined && vocab.ContainsKey(joined)
            ? throw new InvalidOperationException("pick two tokens whose join is not in the vocabulary") : $"{twoTokens[0]} {twoTokens[1]}";
        var cases = new (string Name, string? VocabJson, string? MergesTxt, string Named)[]
        {
            ("vocab.json truncated", valid.VocabJson[..(valid.VocabJson.Length / 2)], valid.MergesTxt, "vocab.json: document"),
            ("vocab.json an array", "[1, 2, 3]", valid.MergesTxt, "vocab.json: document"),
            ("vocab.json empty", "", valid.MergesTxt, "vocab.json: document"),
            ("vocab.json not text", "\u0000\u0001\u0002", valid.MergesTxt, "vocab.json: document"),
            ("an id that is a string", Vocab(v => v[first] = "zero"), valid.MergesTxt, "vocab.json: document"),
            ("an id given twice", Vocab(v => v[v.Last().Key] = 0), valid.MergesTxt, "expected ids 0…"),
            ("an id past the vocabulary", Vocab(v => v[first] = 100000), valid.MergesTxt, "expected ids 0…"),
            ("a negative id", Vocab(v => v[first] = -1), valid.MergesTxt, "expected ids 0…"),
            ("no <|endoftext|>", Vocab(v => v.Remove("<|endoftext|>")), valid.MergesTxt, "<|endoftext|>"),
            ("a byte without a token", Vocab(v => v.Remove(first)), valid.MergesTxt, "vocab.json: \""),
            ("merges naming unknown tokens", valid.VocabJson, valid.MergesTxt.TrimEnd() + "\nqqqq zzzz\n", "merges.txt: line "),
            ("a merge of one token", valid.VocabJson, mergeLines[0] + "\n" + twoTokens[0] + "\n", "merges.txt: line 2"),
            ("a merge of three tokens", valid.VocabJson, mergeLines[0] + "\n" + twoTokens[0] + " " + twoTokens[1] + " " + twoTokens[0] + "\n", "merges.txt: line 2"),
            ("a merge whose result is not in the vocabulary", valid.VocabJson, mergeLines[0] + "\n" + unmergeable + "\n", "merges.txt: line 2"),
            ("no merges.txt", valid.VocabJson, null, "merges.txt: file"),
            ("no vocab.json", null, valid.MergesTxt, "vocab.json: file"),
        };
        AssertRefused(cases.Select((c, i) =>
        {
            var dir = Path.Combine(_root, $"tokenizer-{i}");
            return (c.Name, (Func<(int, string, string)>)(() =>
            {
                Directory.CreateDirectory(dir);
                if (c.VocabJson is not null)
                {
                    File.WriteAllText(Path.Combine(dir, "vocab.json"), c.VocabJson);
                }

                if (c.MergesTxt is not null)
                {
                    File.WriteAllText(Path.Combine(dir, "merges.txt"), c.MergesTxt);
                }

                return Cli.Capture("tokenize", "--vocab", dir, "the secret number is");
            }), new[] { dir, c.Named }, (Func<bool>)(() => true));
        }));
        Assert.Equal(16, cases.Length);
    }

    // ---- Parquet given to inspect and report ---------------------------------------------------

    /// <summary>A folder with the four tables of a synthetic run (no manifest: report reads the tables as they are).</summary>
    private string TablesFolder(string name)
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        var t = Core.Report.SyntheticRun.Generate(new Core.Report.SyntheticSpec());
        Unlearning.Storage.Parquet.ParquetTable<Core.Results.RunRow>.Write(Path.Combine(dir, "runs.parquet"), t.Runs);
        Unlearning.Storage.Parquet.ParquetTable<Core.Results.ExampleRow>.Write(Path.Combine(dir, "examples.parquet"), t.Examples);
        Unlearning.Storage.Parquet.ParquetTable<Core.Results.StepRow>.Write(Path.Combine(dir, "steps.parquet"), t.Steps);
        Unlearning.Storage.Parquet.ParquetTable<Core.Results.PopulationRow>.Write(Path.Combine(dir, "populations.parquet"), t.Populations);
        return dir;
    }

    private static byte[] WithFooterLength(byte[] file, uint length)
    {
        var copy = file.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 8), length);
        return copy;
    }

    private static byte[] WithFooterGarbage(byte[] file)
    {
        var copy = file.ToArray();
        var footer = (int)BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(copy.Length - 8));
        copy.AsSpan(copy.Length - 8 - footer, Math.Min(footer, 32)).Fill(0xEE);
        return copy;
    }

    [Fact]
    public void Malformed_parquet_given_to_inspect_and_report_is_refused_naming_the_file_and_nothing_is_written()
    {
        var valid = File.ReadAllBytes(Path.Combine(TablesFolder("valid"), "steps.parquet"));
        var bytes = new (string Name, byte[] Bytes, string Named)[]
        {
            ("truncated to half", valid[..(valid.Length / 2)], "magic: expected \"PAR1\" at the end"),
            ("truncated by its last byte", valid[..^1], "magic: expected \"PAR1\" at the end"),
            ("wrong magic at the head", [.. "PAR2"u8, .. valid[4..]], "PAR1"),
            ("wrong magic at the tail", [.. valid[..^4], .. "PAR2"u8], "magic: expected \"PAR1\" at the end"),
            ("footer length past the file", WithFooterLength(valid, (uint)valid.Length * 2), "footer length: expected"),
            ("footer length zero", WithFooterLength(valid, 0), "footer length: expected"),
            ("footer bytes garbage", WithFooterGarbage(valid), "footer: expected"),
            ("three bytes", "PAR"u8.ToArray(), "PAR1"),
            ("empty", [], "PAR1"),
            ("only the two magics", [.. "PAR1PAR1"u8], "length: expected at least 12 bytes"),
        };
        var inspect = bytes.Select((c, i) =>
        {
            var file = Path.Combine(_root, $"inspect-{i}.parquet");
            return ("inspect: " + c.Name, (Func<(int, string, string)>)(() =>
            {
                File.WriteAllBytes(file, c.Bytes);
                return Cli.Capture("inspect", file);
            }), new[] { file, c.Named }, (Func<bool>)(() => true));
        }).ToList();

        // report: each table replaced by a malformed file, or by a table of another schema, one at a time.
        var reportCases = new List<(string, Func<(int, string, string)>, string[], Func<bool>)>();
        foreach (var (name, table, content, named) in bytes.Select(b => (b.Name, "steps", (Func<string, byte[]>)(_ => b.Bytes), b.Named != "PAR1" ? b.Named : b.Bytes.Length < 12 ? "bytes" : "magic"))
            .Concat(
            [
                ("populations as runs (another schema)", "runs", dir => File.ReadAllBytes(Path.Combine(dir, "populations.parquet")), "column run_id: expected a string column"),
                ("steps as examples (another schema)", "examples", dir => File.ReadAllBytes(Path.Combine(dir, "steps.parquet")), "column source: expected a string column"),
                ("runs as populations (another schema)", "populations", dir => File.ReadAllBytes(Path.Combine(dir, "runs.parquet")), "column source: expected a string column"),
                ("a safetensors file as runs", "runs", _ => SafeTensorsBytes("{" + A + "}", 16), "magic: expected \"PAR1\" at the start"),
            ]))
        {
            var dir = TablesFolder($"report-{reportCases.Count}");
            var file = Path.Combine(dir, table + ".parquet");
            var before = Directory.GetFiles(dir).Length;
            reportCases.Add(("report: " + name, () =>
            {
                File.WriteAllBytes(file, content(dir));
                return Cli.Capture("report", dir);
            }, new[] { file, named }, () => !File.Exists(Path.Combine(dir, "report.md")) && Directory.GetFiles(dir).Count(f => !Path.GetFileName(f).StartsWith(".lock", StringComparison.Ordinal)) == before));
        }

        AssertRefused(inspect.Concat(reportCases));
        Assert.Equal((10, 14), (inspect.Count, reportCases.Count));
    }
}

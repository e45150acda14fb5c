using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Training;
using static LanguageExt.Prelude;

namespace Unlearning.Core.Experiment;

/// <summary>
/// Reading, resolving and writing configurations. Resolution order: the preset (from
/// <c>--preset</c>, else the file's <c>preset</c> key, else quick), then the file's keys, then the
/// <c>key=value</c> overrides, then the checks across fields. Every error names where it came from,
/// the key and the expected type; all errors are reported at once.
/// </summary>
public static class ConfigJson
{
    public const string OverrideWhere = "--set";

    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        // A key given twice is a mistake (which one was meant?), not "the last one wins".
        AllowDuplicateProperties = false,
    };

    /// <summary>The resolved configuration, or every error found.</summary>
    /// <param name="preset">A preset name given on the command line, or null.</param>
    /// <param name="fileText">The configuration file's text, or null when there is none.</param>
    /// <param name="fileWhere">The file's path, for errors.</param>
    /// <param name="overrides"><c>key=value</c> strings, applied in order.</param>
    public static Validation<InputError, ExperimentConfig> Resolve(
        string? preset, string? fileText, string fileWhere, IEnumerable<string> overrides)
    {
        var errors = new List<InputError>();
        JsonElement? root = null;
        if (fileText is not null)
        {
            try
            {
                using var doc = JsonDocument.Parse(fileText, ReadOptions);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                return Fail<InputError, ExperimentConfig>(
                    new InputError(fileWhere, "(file)", "a JSON object", $"invalid JSON ({e.Message})"));
            }

            if (root.Value.ValueKind != JsonValueKind.Object)
            {
                return Fail<InputError, ExperimentConfig>(
                    new InputError(fileWhere, "(file)", "a JSON object", Describe(root.Value)));
            }
        }

        var name = preset;
        if (name is null && root is { } r && r.TryGetProperty("preset", out var p))
        {
            name = p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (name is null)
            {
                errors.Add(new InputError(fileWhere, "preset", ConfigSchema.Find("preset")!.Expected, Describe(p)));
            }
        }

        name ??= Presets.Default;
        var config = Presets.Find(name);
        if (config is null)
        {
            errors.Add(new InputError(preset is null ? fileWhere : "--preset", "preset", ConfigSchema.Find("preset")!.Expected, $"\"{name}\""));
            return Validation<InputError, ExperimentConfig>.Fail(Seq(errors));
        }

        if (root is { } obj)
        {
            config = ApplyObject(config, obj, "", fileWhere, errors);
        }

        foreach (var o in overrides)
        {
            config = ApplyOverride(config, o, errors);
        }

        config = config with { Preset = name };
        // A field already reported where it was read is not reported again as "configuration".
        errors.AddRange(Check(config).Where(e => !errors.Any(x => x.Field == e.Field)));
        return errors.Count == 0
            ? Success<InputError, ExperimentConfig>(config)
            : Validation<InputError, ExperimentConfig>.Fail(Seq(errors));
    }

    /// <summary>Checks that need more than one field, or that a single field's range cannot express.</summary>
    public static IReadOnlyList<InputError> Check(ExperimentConfig c)
    {
        const string Where = "configuration";
        var errors = new List<InputError>();
        foreach (var field in ConfigSchema.Fields)
        {
            var value = field.Get(c);
            if (!field.Allows(value))
            {
                errors.Add(new InputError(Where, field.Key, field.Expected, ConfigField.FormatValue(value)));
            }
        }

        if (c.Model.NEmbd % c.Model.NHead != 0)
        {
            errors.Add(new InputError(Where, "model.n_embd", $"a multiple of model.n_head ({c.Model.NHead})", Str(c.Model.NEmbd)));
        }

        if (c.Model.NPositions < c.Data.ExampleTokens)
        {
            errors.Add(new InputError(Where, "model.n_positions", $"at least data.example_tokens ({c.Data.ExampleTokens})", Str(c.Model.NPositions)));
        }

        if (c.Engine == EngineNames.Managed && c.Device != EngineNames.Cpu)
        {
            errors.Add(new InputError(Where, "device", "cpu with engine managed (cuda needs engine torch)", c.Device));
        }

        if (c.Precision == EngineNames.Bf16 && c.Device != EngineNames.Cuda)
        {
            errors.Add(new InputError(Where, "precision", "fp32 on device cpu (bf16 needs device cuda)", c.Precision));
        }

        if (c.Data.Brown.Forget >= c.Data.TrainExamples)
        {
            errors.Add(new InputError(Where, "data.brown.forget", $"fewer than data.train_examples ({c.Data.TrainExamples}): θref trains on the rest", Str(c.Data.Brown.Forget)));
        }

        if (c.Data.Brown.Validation < 1)
        {
            errors.Add(new InputError(Where, "data.brown.validation", "at least 1: utility is measured on V_id", Str(c.Data.Brown.Validation)));
        }

        foreach (var (name, s) in c.Data.Sources())
        {
            if (s.Forget > 0 && s.Population < 1)
            {
                errors.Add(new InputError(Where, $"data.{name}.population", $"at least 1 when data.{name}.forget is {s.Forget}: exposure ranks against P_{name}", Str(s.Population)));
            }
        }

        var levels = c.Data.RepeatLevels.Count;
        if (levels > 0 && c.Data.Sources().Where(s => s.Source.Forget > 0).ToList() is { Count: > 0 } withForget
            && withForget.MinBy(s => s.Source.Forget) is var (smallest, source) && levels > source.Forget)
        {
            errors.Add(new InputError(
                Where, "data.repeat_levels",
                $"at most {source.Forget} levels: each source's forget examples are spread over the levels, and the smallest forget set (data.{smallest}.forget) holds {source.Forget}",
                $"{levels} levels"));
        }

        if (c.Data.Sources().All(s => s.Source.Forget == 0))
        {
            errors.Add(new InputError(Where, "data.*.forget", "at least one forget example in some source", "0 in every source"));
        }

        if (c.Training.Schedule == "cosine" && c.Training.WarmupSteps > c.Training.Steps)
        {
            errors.Add(new InputError(Where, "training.warmup_steps", $"at most training.steps ({c.Training.Steps})", Str(c.Training.WarmupSteps)));
        }

        return errors;
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static ExperimentConfig ApplyObject(ExperimentConfig config, JsonElement obj, string prefix, string where, List<InputError> errors)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var key = prefix + property.Name;
            var field = ConfigSchema.Find(key);
            if (field is not null)
            {
                var (ok, value) = FromJson(field, property.Value);
                if (!ok || !field.Allows(value))
                {
                    errors.Add(new InputError(where, key, field.Expected, Describe(property.Value)));
                }
                else
                {
                    config = field.Set(config, value);
                }
            }
            else if (ConfigSchema.IsSection(key))
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    config = ApplyObject(config, property.Value, key + ".", where, errors);
                }
                else
                {
                    errors.Add(new InputError(where, key, "a JSON object (a section of the configuration)", Describe(property.Value)));
                }
            }
            else
            {
                errors.Add(UnknownKey(where, key));
            }
        }

        return config;
    }

    private static ExperimentConfig ApplyOverride(ExperimentConfig config, string text, List<InputError> errors)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            errors.Add(new InputError(OverrideWhere, text, "key=value", $"\"{text}\""));
            return config;
        }

        var key = text[..eq].Trim();
        var raw = text[(eq + 1)..];
        var field = ConfigSchema.Find(key);
        if (field is null)
        {
            errors.Add(UnknownKey(OverrideWhere, key));
            return config;
        }

        var (ok, value) = FromText(field, raw);
        if (!ok || !field.Allows(value))
        {
            errors.Add(new InputError(OverrideWhere, key, field.Expected, $"\"{raw}\""));
            return config;
        }

        return field.Set(config, value);
    }

    private static InputError UnknownKey(string where, string key)
    {
        var nearest = ConfigSchema.Fields
            .Select(f => (f.Key, Distance: Levenshtein(f.Key, key)))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Key, StringComparer.Ordinal)
            .First();
        var hint = nearest.Distance <= Math.Max(2, key.Length / 3) ? $" (did you mean \"{nearest.Key}\"?)" : "";
        return new InputError(where, key, "a configuration key listed in docs/configuration.md" + hint, "an unknown key");
    }

    /// <summary>A JSON value as the field's type; not ok when the JSON type is wrong (ranges are checked by the caller).</summary>
    private static (bool Ok, object? Value) FromJson(ConfigField field, JsonElement e) => field.Kind switch
    {
        FieldKind.Integer when e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l) => (true, l),
        FieldKind.Number when e.ValueKind == JsonValueKind.Number => (true, e.GetDouble()),
        FieldKind.Boolean when e.ValueKind is JsonValueKind.True or JsonValueKind.False => (true, e.GetBoolean()),
        FieldKind.Choice when e.ValueKind == JsonValueKind.String => (true, e.GetString()),
        FieldKind.OptionalText when e.ValueKind == JsonValueKind.String => (true, e.GetString()),
        FieldKind.OptionalText when e.ValueKind == JsonValueKind.Null => (true, null),
        FieldKind.IntegerList when e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out _)) =>
            (true, new IntegerList([.. e.EnumerateArray().Select(x => x.GetInt64())])),
        _ => (false, null),
    };

    /// <summary>"[1, 4, 16]", "1,4,16" or "[]" as a list of integers; null when any element is not one.</summary>
    private static IntegerList? ParseList(string t)
    {
        var inner = t.StartsWith('[') && t.EndsWith(']') ? t[1..^1] : t;
        var parts = inner.Split(',', StringSplitOptions.TrimEntries);
        if (parts is [""])
        {
            return new IntegerList([]);
        }

        var values = new List<long>();
        foreach (var part in parts)
        {
            if (!long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            {
                return null;
            }

            values.Add(v);
        }

        return new IntegerList(values);
    }

    /// <summary>An override's text as the field's type: integers and numbers in invariant culture, true/false, null.</summary>
    private static (bool Ok, object? Value) FromText(ConfigField field, string raw)
    {
        var t = raw.Trim();
        return field.Kind switch
        {
            FieldKind.Integer when long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => (true, l),
            FieldKind.Number when double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (true, d),
            FieldKind.Boolean when t is "true" or "false" => (true, t == "true"),
            FieldKind.Choice => (true, t),
            FieldKind.OptionalText => (true, t == "null" ? null : t),
            FieldKind.IntegerList when ParseList(t) is { } list => (true, list),
            _ => (false, null),
        };
    }

    private static string Describe(JsonElement e)
    {
        var text = e.GetRawText();
        if (text.Length > 40)
        {
            text = text[..37] + "...";
        }

        var kind = e.ValueKind switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "a value",
        };
        return e.ValueKind == JsonValueKind.Null ? "null" : $"{kind} {text}";
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// The canonical form the hash is taken of: keys sorted (ordinal) at every level, no whitespace,
    /// integers as integers, numbers in their shortest round-trip form.
    /// </summary>
    public static string Canonical(ExperimentConfig config) => Write(config, indented: false);

    /// <summary>The resolved configuration as written to a run folder's config.json; it reads back to the same record.</summary>
    public static string Pretty(ExperimentConfig config) => Write(config, indented: true);

    /// <summary>SHA-256 of the canonical JSON's UTF-8 bytes, lowercase hex.</summary>
    public static string Hash(ExperimentConfig config) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(config))));

    private static string Write(ExperimentConfig config, bool indented)
    {
        var tree = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var field in ConfigSchema.Fields)
        {
            var parts = field.Key.Split('.');
            var node = tree;
            foreach (var part in parts[..^1])
            {
                if (!node.TryGetValue(part, out var child))
                {
                    child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                    node[part] = child;
                }

                node = (SortedDictionary<string, object>)child;
            }

            node[parts[^1]] = new Leaf(field.Get(config));
        }

        using var stream = new MemoryStream();
        // The canonical form escapes strings System.Text.Json's default way, as the run manifest
        // (src/Storage/Manifest) does, so both compute the same hash; the written file is readable.
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = indented,
            Encoder = indented ? System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping : null,
        }))
        {
            WriteNode(writer, tree);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private sealed record Leaf(object? Value);

    private static void WriteNode(Utf8JsonWriter w, SortedDictionary<string, object> node)
    {
        w.WriteStartObject();
        foreach (var (key, child) in node)
        {
            w.WritePropertyName(key);
            switch (child)
            {
                case SortedDictionary<string, object> d:
                    WriteNode(w, d);
                    break;
                case Leaf { Value: null }:
                    w.WriteNullValue();
                    break;
                case Leaf { Value: long l }:
                    w.WriteNumberValue(l);
                    break;
                case Leaf { Value: double d }:
                    // Shortest round-trip text, so 0.1 stays 0.1 and the hash does not depend on the runtime.
                    w.WriteRawValue(d.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case Leaf { Value: bool b }:
                    w.WriteBooleanValue(b);
                    break;
                case Leaf { Value: string s }:
                    w.WriteStringValue(s);
                    break;
                case Leaf { Value: IntegerList list }:
                    w.WriteStartArray();
                    foreach (var v in list.Values)
                    {
                        w.WriteNumberValue(v);
                    }

                    w.WriteEndArray();
                    break;
                default:
                    throw new InvalidOperationException($"configuration value of type {child.GetType()}");
            }
        }

        w.WriteEndObject();
    }
}

using Unlearning.Properties.Data;
using Unlearning.Storage.Packages;

namespace Unlearning.Properties.Tokenization;

/// <summary>GPT-2's tokenizer against gpt-tokenizer's r50k_base test plans (tiktoken's GPT-2 encoding).</summary>
public sealed class Gpt2Vectors
{
    /// <summary>(sample, expected ids) of every r50k_base block: "EncodingName:", "Sample: …", "Encoded: [...]".</summary>
    internal static IReadOnlyList<(string Sample, int[] Encoded)> R50kVectors()
    {
        var text = File.ReadAllText(Path.Combine(TestPackages.Folder(DataPackages.Gpt2TestVectors), "data", "TestPlans.txt"));
        var vectors = new List<(string, int[])>();
        foreach (var block in text.Replace("\r\n", "\n").Split("\n\n"))
        {
            var lines = block.Trim('\n').Split('\n');
            if (lines.Length != 3 || lines[0] != "EncodingName: r50k_base")
            {
                continue;
            }

            Assert.StartsWith("Sample: ", lines[1], StringComparison.Ordinal);
            Assert.StartsWith("Encoded: [", lines[2], StringComparison.Ordinal);
            var sample = lines[1]["Sample: ".Length..];
            var list = lines[2]["Encoded: [".Length..^1];
            var ids = list.Length == 0 ? [] : list.Split(',').Select(s => int.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            vectors.Add((sample, ids));
        }

        return vectors;
    }

    [Fact]
    public void The_test_plans_hold_64_r50k_base_vectors() => Assert.Equal(64, R50kVectors().Count);

    [Fact]
    public void Every_r50k_base_vector_encodes_exactly()
    {
        var gpt2 = TestPackages.Gpt2;
        var wrong = R50kVectors()
            .Where(v => !gpt2.Encode(v.Sample).SequenceEqual(v.Encoded))
            .Select(v => $"{v.Sample}: expected [{string.Join(", ", v.Encoded)}], got [{string.Join(", ", gpt2.Encode(v.Sample))}]")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Every_r50k_base_vector_decodes_to_its_sample()
    {
        var gpt2 = TestPackages.Gpt2;
        Assert.All(R50kVectors(), v => Assert.Equal(v.Sample, gpt2.Decode(v.Encoded)));
    }

    [Fact]
    public void GPT2_has_50257_tokens_with_endoftext_last()
    {
        var gpt2 = TestPackages.Gpt2;
        Assert.Equal(50257, gpt2.VocabSize);
        Assert.Equal(50256, gpt2.EndOfText);
        Assert.Equal(50000, gpt2.MergeCount);
        Assert.Equal("<|endoftext|>", gpt2.Decode([gpt2.EndOfText]));
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Tokenization;
using Unlearning.Properties.Data;

namespace Unlearning.Properties.Tokenization;

[Properties(Arbitrary = new[] { typeof(TokenizationArbitraries) })]
public sealed class TrainerLaws
{
    /// <summary>
    /// The textbook trainer, counting every pair from scratch each round, with the same tie rule
    /// (highest count, then smallest left id, then smallest right id).
    /// </summary>
    private static List<(int, int)> NaiveMerges(IEnumerable<string> texts, int vocabSize)
    {
        var byteToken = new int[256];
        for (var id = 0; id < 256; id++)
        {
            byteToken[ByteLevel.Order[id]] = id;
        }

        var words = new List<(List<int> Symbols, long Count)>();
        foreach (var text in texts)
        {
            var pieces = new List<(int Start, int Length)>();
            PreTokenizer.Split(text, pieces);
            foreach (var (s, l) in pieces)
            {
                words.Add((System.Text.Encoding.UTF8.GetBytes(text.Substring(s, l)).Select(b => byteToken[b]).ToList(), 1));
            }
        }

        var merges = new List<(int, int)>();
        while (merges.Count < vocabSize - 257)
        {
            var counts = new Dictionary<(int, int), long>();
            foreach (var (symbols, count) in words)
            {
                for (var k = 0; k + 1 < symbols.Count; k++)
                {
                    counts[(symbols[k], symbols[k + 1])] = counts.GetValueOrDefault((symbols[k], symbols[k + 1])) + count;
                }
            }

            if (counts.Count == 0)
            {
                break;
            }

            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2).First().Key;
            var result = 256 + merges.Count;
            merges.Add(best);
            foreach (var (symbols, _) in words)
            {
                for (var k = 0; k + 1 < symbols.Count; k++)
                {
                    if (symbols[k] == best.Item1 && symbols[k + 1] == best.Item2)
                    {
                        symbols[k] = result;
                        symbols.RemoveAt(k + 1);
                    }
                }
            }
        }

        return merges;
    }

    /// <summary>The merges as (left id, right id), recovered from merges.txt, the public form.</summary>
    private static List<(int, int)> MergesOf(BpeTokenizer t)
    {
        var ids = Enumerable.Range(0, t.VocabSize).ToDictionary(t.TextOf, i => i);
        return t.Save().MergesTxt.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(' '))
            .Select(p => (ids[p[0]], ids[p[1]]))
            .ToList();
    }

    private static BpeTokenizer Train(IEnumerable<string> texts, int size) =>
        BpeTokenizer.Train(texts, size).Match(t => t, e => throw e.ToException());

    [Property(MaxTest = 60)]
    public Property The_incremental_trainer_makes_the_textbook_trainers_merges(string[] texts) =>
        Prop.ForAll(Gen.Choose(257, 300).ToArbitrary(), size =>
        {
            var t = Train(texts, size);
            Assert.Equal(NaiveMerges(texts, size), MergesOf(t));
            return true;
        });

    [Property]
    public bool Training_ignores_the_order_of_the_texts(string[] texts) =>
        Train(texts, 290).Save() == Train(texts.Reverse(), 290).Save();

    [Fact]
    public void Brown_training_reaches_the_vocabulary_size_asked_with_endoftext_last()
    {
        var t = Train(BrownSample.Texts(20), 700);
        Assert.Equal(700, t.VocabSize);
        Assert.Equal(699, t.EndOfText);
        Assert.Equal("<|endoftext|>", t.TextOf(t.EndOfText));
        var text = string.Join("\n", BrownSample.Texts(20));
        Assert.True(t.Encode(text).Length < System.Text.Encoding.UTF8.GetByteCount(text) / 2, "merges learnt on the text compress it at least 2×");
    }

    [Property]
    public bool Saved_files_load_to_the_same_tokenizer(string[] texts, string probe)
    {
        var t = Train(texts, 280);
        var files = t.Save();
        var back = BpeTokenizer.Load(files.VocabJson, files.MergesTxt).Match(x => x, e => throw e.ToException());
        return back.Save() == files && back.Encode(probe).SequenceEqual(t.Encode(probe)) && back.EndOfText == t.EndOfText;
    }

    [Fact]
    public void GPT2s_files_round_trip_through_save_and_load()
    {
        var files = TestPackages.Gpt2.Save();
        var back = BpeTokenizer.Load(files.VocabJson, files.MergesTxt).Match(x => x, e => throw e.ToException());
        Assert.Equal(files, back.Save());
        var folder = TestPackages.Folder(Unlearning.Storage.Packages.DataPackages.Gpt2Encoder);
        Assert.Equal(
            File.ReadAllText(Path.Combine(folder, "vocab.bpe")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1),
            files.MergesTxt.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
    }

    [Fact]
    public void A_vocabulary_below_257_is_refused_naming_the_field() =>
        Assert.Equal(
            "configuration: vocab_size: expected at least 257 (256 bytes + <|endoftext|>), found 100",
            BpeTokenizer.Train(["abc"], 100).Match(_ => "", e => e.ToString()));

    [Theory]
    [InlineData("{not json", "#version: 0.2\n", "vocab.json: document:")]
    [InlineData("{\"a\": 0}", "", "vocab.json: <|endoftext|>: expected the special token")]
    [InlineData(null, "#version: 0.2\nĠ zz\n", "merges.txt: line 2: expected a merge whose parts and result are in the vocabulary")]
    [InlineData(null, "#version: 0.2\na b c\n", "merges.txt: line 2: expected two tokens separated by one space")]
    public void Unreadable_vocabulary_files_are_errors_naming_file_and_place(string? vocab, string merges, string expected)
    {
        var good = Train(["ab ab ab"], 260).Save();
        var error = BpeTokenizer.Load(vocab ?? good.VocabJson, merges).Match(_ => "loaded", e => e.ToString());
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vocabulary_missing_a_byte_token_is_an_error()
    {
        var good = Train(["ab ab ab"], 260).Save();
        var error = BpeTokenizer.Load(good.VocabJson.Replace("\"!\":", "\"!!!\":", StringComparison.Ordinal), good.MergesTxt)
            .Match(_ => "loaded", e => e.ToString());
        Assert.Contains("byte 0x21", error, StringComparison.Ordinal);
    }
}

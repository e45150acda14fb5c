using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Tokenization;
using Unlearning.Properties.Data;

namespace Unlearning.Properties.Tokenization;

[Properties(Arbitrary = new[] { typeof(TokenizationArbitraries) })]
public sealed class TokenizerLaws
{
    private static readonly Regex Gpt2Pattern = new(
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant);

    private static readonly Lazy<BpeTokenizer> Small = new(() =>
        BpeTokenizer.Train(BrownSample.Texts(40), 600).Match(t => t, e => throw e.ToException()));

    [Property(MaxTest = 500)]
    public Property The_scanner_cuts_as_GPT2s_regex_on_BMP_text() =>
        Prop.ForAll(TokenizationArbitraries.BmpText.ToArbitrary(), text =>
        {
            var pieces = new List<(int Start, int Length)>();
            PreTokenizer.Split(text, pieces);
            var expected = Gpt2Pattern.Matches(text).Select(m => m.Value);
            Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)));
        });

    [Property(MaxTest = 500)]
    public bool Pieces_tile_any_text(string text)
    {
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(text, pieces);
        return string.Concat(pieces.Select(p => text.Substring(p.Start, p.Length))) == text && pieces.All(p => p.Length > 0);
    }

    [Fact]
    public void An_astral_letter_joins_the_word_around_it()
    {
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split("a𝐀b c", pieces);
        Assert.Equal([(0, 4), (4, 2)], pieces);
    }

    [Property(MaxTest = 500)]
    public bool GPT2_decoding_inverts_encoding_on_any_string(string text) =>
        TestPackages.Gpt2.Decode(TestPackages.Gpt2.Encode(text)) == text;

    [Property(MaxTest = 500)]
    public bool A_trained_tokenizer_decoding_inverts_encoding_on_any_string(string text) =>
        Small.Value.Decode(Small.Value.Encode(text)) == text;

    [Property]
    public bool Token_bytes_concatenate_to_the_UTF8_of_the_text(string text) =>
        Small.Value.DecodeBytes(Small.Value.Encode(text)).SequenceEqual(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_literal_endoftext_is_ordinary_text()
    {
        var gpt2 = TestPackages.Gpt2;
        var tokens = gpt2.Encode("a<|endoftext|>b");
        Assert.DoesNotContain(gpt2.EndOfText, tokens);
        Assert.Equal("a<|endoftext|>b", gpt2.Decode(tokens));
    }

    [Property(MaxTest = 30)]
    public Property Encoding_is_the_same_in_any_thread_and_with_a_warm_memo() =>
        Prop.ForAll(Gen.ArrayOf(TokenizationArbitraries.AnyText, 8).ToArbitrary(), texts =>
        {
            var fresh = BpeTokenizer.Load(Small.Value.Save().VocabJson, Small.Value.Save().MergesTxt).Match(t => t, e => throw e.ToException());
            var parallel = texts.AsParallel().Select(t => Small.Value.Encode(t)).ToArray();
            return texts.Select(fresh.Encode).Zip(parallel, (x, y) => x.SequenceEqual(y)).All(same => same);
        });
}

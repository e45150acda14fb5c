using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Tokenization;
using Unlearning.Properties.Data;

namespace Unlearning.Properties.Tokenization;

public sealed class TokenizerLaws
{
    /// <summary>Scalar values from every corner: ASCII (weighted up), whitespace of all kinds, Latin-1,
    /// the 68 bytes GPT-2 remaps, CJK, combining marks, emoji and other astral runes, astral letters.</summary>
    private static readonly FsCheck.Gen<int> Scalars = Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7e)),
        (2, Gen.Elements(0x20, 0x0a, 0x09, 0x0d, 0xa0, 0x2028, 0x3000, 0x85, 0x27)),
        (1, Gen.Choose(0x00, 0x1f)),
        (1, Gen.Choose(0x80, 0x2ff)),
        (1, Gen.Choose(0x300, 0x36f)),
        (1, Gen.Choose(0x3040, 0x30ff)),
        (1, Gen.Choose(0x4e00, 0x4fff)),
        (1, Gen.Choose(0xac00, 0xad00)),
        (1, Gen.Choose(0x1f300, 0x1f6ff)),
        (1, Gen.Choose(0x1d400, 0x1d4ff)),
        (1, Gen.Choose(0x20000, 0x200ff)),
        (1, Gen.Choose(0xe000, 0xfffd).Where(c => c is < 0xd800 or > 0xdfff)));

    /// <summary>Any valid Unicode string (no unpaired surrogates), up to 60 scalar values.</summary>
    internal static readonly FsCheck.Gen<string> Texts =
        Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Scalars, n))
            .Select(cs => string.Concat(cs.Select(char.ConvertFromUtf32)));

    /// <summary>Strings of BMP scalars only, where .NET's Regex classifies exactly as the scanner does.</summary>
    private static readonly FsCheck.Gen<string> BmpTexts =
        Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Scalars.Where(c => c < 0x10000), n))
            .Select(cs => new string(cs.Select(c => (char)c).ToArray()));

    private static readonly Regex Gpt2Pattern = new(
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant);

    private static readonly Lazy<BpeTokenizer> Small = new(() =>
        BpeTokenizer.Train(BrownSample.Texts(40), 600).Match(t => t, e => throw e.ToException()));

    [Property(MaxTest = 500)]
    public Property The_scanner_cuts_as_GPT2s_regex_on_BMP_text() =>
        Prop.ForAll(BmpTexts.ToArbitrary(), text =>
        {
            var pieces = new List<(int Start, int Length)>();
            PreTokenizer.Split(text, pieces);
            var expected = Gpt2Pattern.Matches(text).Select(m => m.Value);
            Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)));
        });

    [Property(MaxTest = 500)]
    public Property Pieces_tile_any_text() =>
        Prop.ForAll(Texts.ToArbitrary(), text =>
        {
            var pieces = new List<(int Start, int Length)>();
            PreTokenizer.Split(text, pieces);
            return string.Concat(pieces.Select(p => text.Substring(p.Start, p.Length))) == text && pieces.All(p => p.Length > 0);
        });

    [Fact]
    public void An_astral_letter_joins_the_word_around_it()
    {
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split("a𝐀b c", pieces);
        Assert.Equal([(0, 4), (4, 2)], pieces);
    }

    [Property(MaxTest = 500)]
    public Property GPT2_decoding_inverts_encoding_on_any_string() =>
        Prop.ForAll(Texts.ToArbitrary(), text => TestPackages.Gpt2.Decode(TestPackages.Gpt2.Encode(text)) == text);

    [Property(MaxTest = 500)]
    public Property A_trained_tokenizer_decoding_inverts_encoding_on_any_string() =>
        Prop.ForAll(Texts.ToArbitrary(), text => Small.Value.Decode(Small.Value.Encode(text)) == text);

    [Property]
    public Property Token_bytes_concatenate_to_the_UTF8_of_the_text() =>
        Prop.ForAll(Texts.ToArbitrary(), text =>
            Small.Value.DecodeBytes(Small.Value.Encode(text)).SequenceEqual(Encoding.UTF8.GetBytes(text)));

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
        Prop.ForAll(Gen.ArrayOf(Texts, 8).ToArbitrary(), texts =>
        {
            var fresh = BpeTokenizer.Load(Small.Value.Save().VocabJson, Small.Value.Save().MergesTxt).Match(t => t, e => throw e.ToException());
            var parallel = texts.AsParallel().Select(t => Small.Value.Encode(t)).ToArray();
            return texts.Select(fresh.Encode).Zip(parallel, (x, y) => x.SequenceEqual(y)).All(same => same);
        });
}

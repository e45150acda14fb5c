using FsCheck;
using FsCheck.Fluent;

namespace Unlearning.Properties.Tokenization;

/// <summary>
/// The tokenizer laws' values: a <c>string</c> is any valid Unicode text of up to 60 scalar values
/// from every corner that byte-level BPE treats specially; a <c>string[]</c> is a small training
/// corpus over a small alphabet. Registered with
/// <c>[Properties(Arbitrary = new[] { typeof(TokenizationArbitraries) })]</c>.
/// </summary>
public static class TokenizationArbitraries
{
    /// <summary>Scalar values from every corner: ASCII (weighted up), whitespace of all kinds, Latin-1,
    /// the 68 bytes GPT-2 remaps, CJK, combining marks, emoji and other astral runes, astral letters.</summary>
    private static readonly Gen<int> Scalars = Gen.Frequency(
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
    internal static readonly Gen<string> AnyText =
        Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Scalars, n))
            .Select(cs => string.Concat(cs.Select(char.ConvertFromUtf32)));

    /// <summary>Strings of BMP scalars only, where .NET's Regex classifies exactly as the scanner does.</summary>
    internal static readonly Gen<string> BmpText =
        Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Scalars.Where(c => c < 0x10000), n))
            .Select(cs => new string(cs.Select(c => (char)c).ToArray()));

    /// <summary>Small corpora over a small alphabet, so pairs repeat and ties are common.</summary>
    private static readonly Gen<string[]> Corpus =
        Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(
            Gen.Choose(0, 40).SelectMany(len => Gen.ArrayOf(Gen.Elements('a', 'b', 'c', ' ', 'é', '1', '.', '\n'), len))
                .Select(cs => new string(cs)), n));

    public static Arbitrary<string> Texts() => AnyText.ToArbitrary();

    public static Arbitrary<string[]> Corpora() => Corpus.ToArbitrary();
}

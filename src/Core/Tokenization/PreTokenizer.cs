using System.Globalization;
using System.Text;

namespace Unlearning.Core.Tokenization;

/// <summary>
/// GPT-2's pre-tokenisation, written out as a scanner over Unicode scalar values:
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// A scanner rather than .NET's Regex because .NET classifies UTF-16 code units, so a letter outside the
/// BMP (𝐀, 𠀀) would not be \p{L} there; here every class is decided on whole runes, as in GPT-2's
/// Python <c>regex</c> and in tiktoken. BPE merges never cross the pieces this returns.
/// </summary>
public static class PreTokenizer
{
    private enum Kind
    {
        Letter,
        Number,
        Space,
        Other,
    }

    /// <summary>Appends (start, length) of each piece to <paramref name="pieces"/>.</summary>
    public static void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces)
    {
        var i = 0;
        var n = text.Length;
        while (i < n)
        {
            var end = Next(text, i);
            pieces.Add((i, end - i));
            i = end;
        }
    }

    /// <summary>The end (exclusive) of the piece that starts at <paramref name="i"/>.</summary>
    public static int Next(ReadOnlySpan<char> text, int i)
    {
        var n = text.Length;
        var c = text[i];
        if (c == '\'')
        {
            var contraction = Contraction(text, i);
            if (contraction > 0)
            {
                return i + contraction;
            }
        }

        if (c == ' ' && i + 1 < n)
        {
            var kind = KindAt(text, i + 1, out _);
            if (kind != Kind.Space)
            {
                return Run(text, i + 1, kind);
            }
        }

        var first = KindAt(text, i, out var width);
        if (first != Kind.Space)
        {
            return Run(text, i, first);
        }

        // \s+(?!\S)|\s+ : a whitespace run that is followed by non-space gives back its last rune, which
        // then starts the next piece (" word" takes its space); a single rune stays a piece of its own.
        var j = i + width;
        var lastWidth = width;
        while (j < n)
        {
            if (KindAt(text, j, out var w) != Kind.Space)
            {
                break;
            }

            lastWidth = w;
            j += w;
        }

        return j == n || j - lastWidth == i ? j : j - lastWidth;
    }

    private static int Run(ReadOnlySpan<char> text, int i, Kind kind)
    {
        var j = i;
        while (j < text.Length)
        {
            if (KindAt(text, j, out var w) != kind)
            {
                break;
            }

            j += w;
        }

        return j;
    }

    /// <summary>Length of the contraction ('s 't 're 've 'm 'll 'd) at <paramref name="i"/>, or 0. Lower case only, as GPT-2.</summary>
    private static int Contraction(ReadOnlySpan<char> text, int i)
    {
        var rest = text[(i + 1)..];
        if (rest.StartsWith("re", StringComparison.Ordinal) || rest.StartsWith("ve", StringComparison.Ordinal)
            || rest.StartsWith("ll", StringComparison.Ordinal))
        {
            return 3;
        }

        return rest.Length > 0 && rest[0] is 's' or 't' or 'm' or 'd' ? 2 : 0;
    }

    private static Kind KindAt(ReadOnlySpan<char> text, int i, out int width)
    {
        var c = text[i];
        if (c < 0x80)
        {
            width = 1;
            return c switch
            {
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' => Kind.Letter,
                >= '0' and <= '9' => Kind.Number,
                ' ' or '\t' or '\n' or '\r' or '\v' or '\f' => Kind.Space,
                _ => Kind.Other,
            };
        }

        if (Rune.DecodeFromUtf16(text[i..], out var rune, out width) != System.Buffers.OperationStatus.Done)
        {
            // An unpaired surrogate: encoded as U+FFFD later, a symbol here.
            width = 1;
            return Kind.Other;
        }

        // White_Space, as \s in tiktoken's (Rust) regex: Zs, Zl, Zp and U+0009–000D, U+0085.
        if (Rune.IsWhiteSpace(rune))
        {
            return Kind.Space;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}

using System.Globalization;
using System.Text;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Data;

/// <summary>
/// The canary source (The Secret Sharer): a fixed prefix followed by random decimal digits, each digit
/// after a space so that each is its own pre-tokenisation piece (" 7"), at least one token each. With
/// <c>Digits ≥ L</c> every canary holds at least L tokens, so its example is its first L tokens: the prefix
/// and the first digits. A population is more random fills of the same template, never inserted.
/// </summary>
/// <param name="Prefix">The fixed text before the digits.</param>
/// <param name="Digits">How many random digits follow it.</param>
public sealed record CanaryTemplate(string Prefix = "the secret number is", int Digits = 64)
{
    public Either<InputError, CanaryTemplate> Validate() =>
        Digits < 1
            ? new InputError("configuration", "canary.digits", "at least 1", Digits.ToString(CultureInfo.InvariantCulture))
            : Prefix.Any(char.IsAsciiDigit)
                ? new InputError("configuration", "canary.prefix", "text without digits", Prefix)
                : this;

    /// <summary>The text of one fill.</summary>
    public string Fill(ReadOnlySpan<byte> digits)
    {
        var text = new StringBuilder(Prefix.Length + (2 * digits.Length));
        text.Append(Prefix);
        foreach (var d in digits)
        {
            text.Append(' ').Append((char)('0' + d));
        }

        return text.ToString();
    }
}

public static class Canary
{
    /// <summary>
    /// <paramref name="count"/> distinct canaries from one seed (a repeated fill is drawn again), ids
    /// <c>canary/000000</c>…; the digits are also kept as metadata <c>secret</c>.
    /// </summary>
    public static Either<InputError, IReadOnlyList<Document>> Generate(CanaryTemplate template, int count, int seed) =>
        template.Validate().Bind(t =>
        {
            var space = Math.Pow(10, t.Digits);
            if (count < 0 || count > space / 2)
            {
                return Prelude.Left<InputError, IReadOnlyList<Document>>(new InputError(
                    "configuration", "canary count", $"0…{space / 2:G3} distinct fills of {t.Digits} digits", count.ToString(CultureInfo.InvariantCulture)));
            }

            var random = new Random(seed);
            var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
            var documents = new List<Document>(count);
            var digits = new byte[t.Digits];
            while (documents.Count < count)
            {
                for (var k = 0; k < digits.Length; k++)
                {
                    digits[k] = (byte)random.Next(10);
                }

                var secret = string.Concat(digits.Select(d => (char)('0' + d)));
                if (!seen.Add(secret))
                {
                    continue;
                }

                documents.Add(new Document(
                    Sources.Canary, $"canary/{documents.Count:D6}", t.Fill(digits), new Dictionary<string, string> { ["secret"] = secret }));
            }

            return Prelude.Right<InputError, IReadOnlyList<Document>>(documents);
        });
}

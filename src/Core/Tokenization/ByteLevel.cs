namespace Unlearning.Core.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ character map (<c>bytes_to_unicode</c> in openai/gpt-2 encoder.py): printable
/// Latin-1 bytes map to themselves, the other 68 bytes to U+0100…U+0143, so every token is a printable
/// string in vocab.json / merges.txt and a space byte reads as <c>Ġ</c>.
/// </summary>
public static class ByteLevel
{
    /// <summary>Bytes in GPT-2's order: '!'…'~', '¡'…'¬', '®'…'ÿ', then the rest ascending. Token id i of the
    /// first 256 ids of GPT-2 (and of our trained vocabularies) is the byte <c>Order[i]</c>.</summary>
    public static IReadOnlyList<byte> Order { get; }

    /// <summary>The character that stands for each byte.</summary>
    public static IReadOnlyList<char> CharOf { get; }

    private static readonly Dictionary<char, byte> ByteOfChar;

    static ByteLevel()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1)
            .Concat(Enumerable.Range('¡', '¬' - '¡' + 1))
            .Concat(Enumerable.Range('®', 'ÿ' - '®' + 1))
            .ToList();
        var order = new List<byte>(printable.Select(b => (byte)b));
        var chars = new char[256];
        foreach (var b in printable)
        {
            chars[b] = (char)b;
        }

        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            if (!printable.Contains(b))
            {
                order.Add((byte)b);
                chars[b] = (char)(256 + n++);
            }
        }

        Order = order;
        CharOf = chars;
        ByteOfChar = Enumerable.Range(0, 256).ToDictionary(b => chars[b], b => (byte)b);
    }

    /// <summary>The byte-level string of some bytes (as written in vocab.json).</summary>
    public static string ToText(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = CharOf[bytes[i]];
        }

        return new string(chars);
    }

    /// <summary>The bytes of a byte-level string, or null if a character is outside the 256-character alphabet.</summary>
    public static byte[]? ToBytes(string text)
    {
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (!ByteOfChar.TryGetValue(text[i], out var b))
            {
                return null;
            }

            bytes[i] = b;
        }

        return bytes;
    }
}

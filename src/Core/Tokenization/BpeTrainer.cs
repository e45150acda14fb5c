using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Tokenization;

/// <summary>
/// A deterministic byte-level BPE trainer. Texts are cut into GPT-2 pre-tokenisation pieces; each distinct
/// piece is a word of byte tokens with its count. Each round merges the adjacent pair with the highest
/// total count (ties: the smaller left id, then the smaller right id), until
/// <c>vocabSize = 256 + merges + 1</c> or no pair is left. Counts are kept incrementally: a merge touches
/// only the words that hold the pair (an index pair → words), and a max-heap with lazy deletion finds the
/// next pair. The result depends only on the multiset of pieces, never on the order of texts or threads.
/// </summary>
public static class BpeTrainer
{
    public static Either<InputError, BpeTokenizer> Train(IEnumerable<string> texts, int vocabSize)
    {
        if (vocabSize < 257)
        {
            return new InputError(
                "configuration", "vocab_size", "at least 257 (256 bytes + <|endoftext|>)", vocabSize.ToString(CultureInfo.InvariantCulture));
        }

        var counts = CountPieces(texts);
        var words = new List<int[]>(counts.Count);
        var weights = new List<long>(counts.Count);
        var lengths = new List<int>(counts.Count);
        var byteToken = new int[256];
        for (var id = 0; id < 256; id++)
        {
            byteToken[ByteLevel.Order[id]] = id;
        }

        // Sorted so the word indices (and with them every tie in the heap) never depend on hash order.
        foreach (var (piece, count) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var utf8 = System.Text.Encoding.UTF8.GetBytes(piece);
            if (utf8.Length < 2)
            {
                continue;
            }

            words.Add(utf8.Select(b => byteToken[b]).ToArray());
            lengths.Add(utf8.Length);
            weights.Add(count);
        }

        var pairCount = new Dictionary<long, long>(PairComparer.Instance);
        var pairWords = new Dictionary<long, List<int>>(PairComparer.Instance);
        for (var w = 0; w < words.Count; w++)
        {
            AddPairs(words[w], lengths[w], w, weights[w], pairCount, pairWords, touched: null);
        }

        var heap = new PriorityQueue<long, (long Count, long Pair)>(Comparer<(long Count, long Pair)>.Create((x, y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair)));
        foreach (var (pair, count) in pairCount)
        {
            heap.Enqueue(pair, (count, pair));
        }

        var merges = new List<(int Left, int Right)>();
        var target = vocabSize - 257;
        var touched = new System.Collections.Generic.HashSet<long>(PairComparer.Instance);
        while (merges.Count < target && heap.TryDequeue(out var best, out var priority))
        {
            if (!pairCount.TryGetValue(best, out var current) || current != priority.Count || current <= 0)
            {
                continue; // stale heap entry
            }

            var left = (int)(best >> 32);
            var right = (int)(best & 0xffffffff);
            var result = 256 + merges.Count;
            merges.Add((left, right));
            touched.Clear();
            var holders = pairWords[best];
            pairWords.Remove(best);
            foreach (var w in holders.Distinct())
            {
                var word = words[w];
                var length = lengths[w];
                if (!Holds(word, length, left, right))
                {
                    continue;
                }

                RemovePairs(word, length, weights[w], pairCount, touched);
                var write = 0;
                for (var k = 0; k < length;)
                {
                    if (k + 1 < length && word[k] == left && word[k + 1] == right)
                    {
                        word[write++] = result;
                        k += 2;
                    }
                    else
                    {
                        word[write++] = word[k++];
                    }
                }

                lengths[w] = write;
                AddPairs(word, write, w, weights[w], pairCount, pairWords, touched);
            }

            foreach (var pair in touched)
            {
                if (pairCount.TryGetValue(pair, out var c) && c > 0)
                {
                    heap.Enqueue(pair, (c, pair));
                }
            }
        }

        return BpeTokenizer.FromMerges(merges);
    }

    /// <summary>Counts of each pre-tokenisation piece over all texts.</summary>
    internal static Dictionary<string, long> CountPieces(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var text in texts)
        {
            var span = text.AsSpan();
            var i = 0;
            while (i < span.Length)
            {
                var end = PreTokenizer.Next(span, i);
                var piece = span[i..end];
                lookup[piece] = lookup.TryGetValue(piece, out var c) ? c + 1 : 1;
                i = end;
            }
        }

        return counts;
    }

    private static bool Holds(int[] word, int length, int left, int right)
    {
        for (var k = 0; k + 1 < length; k++)
        {
            if (word[k] == left && word[k + 1] == right)
            {
                return true;
            }
        }

        return false;
    }

    private static void AddPairs(
        int[] word, int length, int w, long weight, Dictionary<long, long> pairCount, Dictionary<long, List<int>> pairWords,
        System.Collections.Generic.HashSet<long>? touched)
    {
        for (var k = 0; k + 1 < length; k++)
        {
            var pair = ((long)word[k] << 32) | (uint)word[k + 1];
            pairCount[pair] = pairCount.GetValueOrDefault(pair) + weight;
            if (!pairWords.TryGetValue(pair, out var list))
            {
                list = [];
                pairWords[pair] = list;
            }

            if (list.Count == 0 || list[^1] != w)
            {
                list.Add(w);
            }

            touched?.Add(pair);
        }
    }

    private static void RemovePairs(int[] word, int length, long weight, Dictionary<long, long> pairCount, System.Collections.Generic.HashSet<long> touched)
    {
        for (var k = 0; k + 1 < length; k++)
        {
            var pair = ((long)word[k] << 32) | (uint)word[k + 1];
            pairCount[pair] -= weight;
            touched.Add(pair);
        }
    }
}

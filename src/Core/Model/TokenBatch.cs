using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Model;

/// <summary>
/// B sequences of L tokens as model inputs and targets, with BOS prepended so every token is
/// predicted: inputs[b] = [BOS, x_1 … x_{L−1}], targets[b] = [x_1 … x_L], both flattened [B·L].
/// </summary>
public sealed record TokenBatch(int Batch, int Length, int[] Inputs, int[] Targets)
{
    /// <summary>
    /// An evaluation pass's sequences cut into batches of <paramref name="batchSize"/>, all of one length,
    /// every sequence checked before any work. With <paramref name="padLast"/> a short last batch (after
    /// a full one) is padded with copies of its last sequence, whose scores the caller drops, so the
    /// workspace for batchSize rows is reused rather than reallocated.
    /// </summary>
    public static Either<InputError, IReadOnlyList<TokenBatch>> Batches(Gpt2Config config, IReadOnlyList<int[]> sequences, int batchSize, bool padLast)
    {
        var batches = new List<TokenBatch>();
        for (int start = 0; start < sequences.Count; start += batchSize)
        {
            var slice = sequences.Skip(start).Take(batchSize).ToArray();
            string where = $"evaluation sequences {start}..{start + slice.Length - 1}";
            if (padLast && slice.Length < batchSize && start > 0)
            {
                slice = [.. slice, .. Enumerable.Repeat(slice[^1], batchSize - slice.Length)];
            }

            var batch = From(config, slice, where);
            if (batch.IsLeft)
            {
                return batch.Map(_ => (IReadOnlyList<TokenBatch>)[]);
            }

            var b = (TokenBatch)batch;
            if (batches.Count > 0 && b.Length != batches[0].Length)
            {
                return new InputError("evaluation sequences", $"sequence {start} length", $"{batches[0].Length} tokens, the length of sequence 0", $"{b.Length}");
            }

            batches.Add(b);
        }

        return batches;
    }

    /// <summary>
    /// Checks the batch before any work: at least one sequence, all of the same length L ≥ 1,
    /// L ≤ n_positions, every id in [0, vocab_size).
    /// </summary>
    public static Either<InputError, TokenBatch> From(Gpt2Config config, IReadOnlyList<int[]> sequences, string where = "token batch")
    {
        if (sequences.Count == 0)
        {
            return new InputError(where, "sequences", "at least one sequence", "none");
        }

        int length = sequences[0].Length;
        if (length < 1)
        {
            return new InputError(where, "sequence 0 length", "at least one token", "0");
        }

        if (length > config.NPositions)
        {
            return new InputError(where, "sequence length", $"at most n_positions = {config.NPositions} tokens (BOS included)", $"{length}");
        }

        int b = sequences.Count;
        var inputs = new int[b * length];
        var targets = new int[b * length];
        for (int s = 0; s < b; s++)
        {
            var seq = sequences[s];
            if (seq.Length != length)
            {
                return new InputError(where, $"sequence {s} length", $"{length} tokens, the length of sequence 0", $"{seq.Length}");
            }

            for (int i = 0; i < length; i++)
            {
                int id = seq[i];
                if ((uint)id >= (uint)config.VocabSize)
                {
                    return new InputError(where, $"sequence {s} token {i}", $"a token id in [0, vocab_size = {config.VocabSize})", $"{id}");
                }

                targets[(s * length) + i] = id;
                inputs[(s * length) + i] = i == 0 ? config.Bos : seq[i - 1];
            }
        }

        return new TokenBatch(b, length, inputs, targets);
    }
}

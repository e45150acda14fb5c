using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using Unlearning.Tensors.Randomness;

namespace Unlearning.Properties.Model;

[Properties(Arbitrary = new[] { typeof(ModelArbitraries) })]
public sealed class EvaluationLaws
{
    [Property(MaxTest = 30)]
    public bool The_score_is_the_summed_bits_and_agrees_with_the_training_loss(TinyModel m)
    {
        var (config, batch, length, seed) = m;
        var weights = Gpt2Weights.Init(config, seed);
        var sequences = Gpt2ModelLaws.RandomSequences(new GaussianRng(seed), batch, length, config.VocabSize);
        var scores = new Evaluator(config, 2, 2).Evaluate(weights, sequences).Ok();
        var trainer = new Trainer(config, new TrainSettings(new Optimizer.Sgd(), new LearningRateSchedule.Constant(0)), 2);
        var (loss, _) = ((double, Gpt2Weights))trainer.LossAndGradient(weights, sequences);
        double meanNats = scores.Average(s => s.NllBits) * Math.Log(2) / length;
        return scores.Count == batch
            && scores.All(s => Math.Abs(s.NllBits + s.Log2Probs.Sum(x => (double)x)) < 1e-4 * s.NllBits)
            && Math.Abs(meanNats - loss) < 1e-5 * loss;
    }

    [Property(MaxTest = 30)]
    public Property Scores_do_not_depend_on_the_batch_size_or_on_the_other_sequences(TinyModel m) =>
        Prop.ForAll(Gen.Choose(1, 4).ToArbitrary(), batchSize =>
        {
            var (config, batch, length, seed) = m;
            var weights = Gpt2Weights.Init(config, seed);
            var sequences = Gpt2ModelLaws.RandomSequences(new GaussianRng(seed), batch + 2, length, config.VocabSize);
            var all = new Evaluator(config, batchSize, 2).Evaluate(weights, sequences).Ok();
            var alone = new Evaluator(config, 1, 1).Evaluate(weights, [sequences[^1]]).Ok();
            var last = all[^1];
            return all.Count == sequences.Length
                && Math.Abs(last.NllBits - alone[0].NllBits) <= 1e-5 * alone[0].NllBits
                && last.Top1Correct.SequenceEqual(alone[0].Top1Correct)
                && last.MeanLog2Prob.Zip(alone[0].MeanLog2Prob).All(p => Math.Abs(p.Item1 - p.Item2) < 1e-5);
        });

    [Property(MaxTest = 30)]
    public Property The_first_token_is_predicted_from_BOS_alone_and_later_tokens_never_leak_backwards() =>
        Prop.ForAll(ModelArbitraries.TinyModels().Filter(m => m.Length >= 2), m =>
        {
            var (config, _, length, seed) = m;
            var weights = Gpt2Weights.Init(config, seed);
            var rng = new GaussianRng(seed);
            var a = Gpt2ModelLaws.RandomSequences(rng, 1, length, config.VocabSize)[0];
            var b = (int[])a.Clone();
            b[^1] = (b[^1] + 1) % config.VocabSize; // differs only in the last token
            var c = Gpt2ModelLaws.RandomSequences(rng, 1, length, config.VocabSize)[0];
            c[0] = a[0];
            var ev = new Evaluator(config, 3, 1);
            var s = ev.Evaluate(weights, [a, b, c]).Ok();

            // Position i's distribution depends on BOS, x_1 … x_i only.
            return s[0].MeanLog2Prob.AsSpan(0, length).SequenceEqual(s[1].MeanLog2Prob.AsSpan(0, length))
                && s[0].Log2Probs.AsSpan(0, length - 1).SequenceEqual(s[1].Log2Probs.AsSpan(0, length - 1))
                && s[0].Log2Probs[0] == s[2].Log2Probs[0]
                && s[0].MeanLog2Prob[0] == s[2].MeanLog2Prob[0];
        });

    [Property(MaxTest = 20)]
    public bool A_model_with_zero_embeddings_predicts_uniformly(TinyModel m)
    {
        var (config, batch, length, seed) = m;
        var weights = Gpt2Weights.Init(config, seed);
        Array.Clear(weights["wte.weight"]);
        var sequences = Gpt2ModelLaws.RandomSequences(new GaussianRng(seed), batch, length, config.VocabSize);
        var scores = new Evaluator(config, batch, 2).Evaluate(weights, sequences).Ok();
        double bits = Math.Log2(config.VocabSize);
        return scores.All(s =>
            Math.Abs(s.NllBits - (length * bits)) < 1e-4 * length * bits + 1e-5
            && s.MeanLog2Prob.All(x => Math.Abs(x + bits) < 1e-4 * bits + 1e-5)
            && s.StdLog2Prob.All(x => Math.Abs(x) < 1e-3)
            && s.Log2Probs.All(x => Math.Abs(x + bits) < 1e-4 * bits + 1e-5));
    }

    [Fact]
    public void Bad_input_is_refused_before_any_work_with_the_value_and_the_limit()
    {
        var config = new Gpt2Config(50, 8, 8, 1, 2);
        var w = Gpt2Weights.Init(config, 1);
        var ev = new Evaluator(config, 2, 1);
        string Err(IReadOnlyList<int[]> seqs) => ev.Evaluate(w, seqs).Match(_ => "", e => e.ToString());
        Assert.Equal("evaluation sequences 0..1: sequence 1 token 2: expected a token id in [0, vocab_size = 50), found 50", Err([[1, 2, 3], [4, 5, 50]]));
        Assert.Equal("evaluation sequences 0..0: sequence length: expected at most n_positions = 8 tokens (BOS included), found 9", Err([new int[9]]));
        Assert.Equal("evaluation sequences 0..1: sequence 1 length: expected 3 tokens, the length of sequence 0, found 2", Err([[1, 2, 3], [4, 5]]));
        Assert.Equal("evaluation sequences: sequence 2 length: expected 3 tokens, the length of sequence 0, found 4", Err([[1, 2, 3], [4, 5, 6], [1, 2, 3, 4]]));
        Assert.StartsWith("weights: configuration: expected", new Evaluator(config with { NLayer = 2 }, 1, 1).Evaluate(w, [[1]]).Match(_ => "", e => e.ToString()));
        Assert.Equal(
            "model configuration: n_embd: expected a positive multiple of n_head (3), found 8",
            Evaluator.Create(config with { NHead = 3 }, 1, 1).Match(_ => "", e => e.ToString()));

        var trainer = new Trainer(config, new TrainSettings(new Optimizer.AdamW(), new LearningRateSchedule.Constant(1e-3)), 1);
        var state = TrainState.Start(w, trainer.Settings.Optimizer);
        Assert.Equal("token batch: sequence 0 token 1: expected a token id in [0, vocab_size = 50), found -1", trainer.Step(state, [[3, -1]]).Match(_ => "", e => e.ToString()));
        Assert.Equal("training state: optimizer moments: expected 2 moment set(s) for AdamW, found 0", trainer.Step(state with { Moment1 = null, Moment2 = null }, [[3]]).Match(_ => "", e => e.ToString()));

        var arrays = w.ToDictionary().ToDictionary(p => p.Key, p => p.Value);
        arrays["h.0.mlp.c_fc.weight"] = new float[5];
        Assert.Equal("checkpoint: h.0.mlp.c_fc.weight: expected 256 elements (shape [8, 32]), found 5", Gpt2Weights.FromArrays(config, arrays, "checkpoint").Match(_ => "", e => e.ToString()));
        arrays.Remove("h.0.mlp.c_fc.weight");
        Assert.Equal("checkpoint: h.0.mlp.c_fc.weight: expected a tensor of shape [8, 32], found nothing", Gpt2Weights.FromArrays(config, arrays, "checkpoint").Match(_ => "", e => e.ToString()));
    }

    [Property(MaxTest = 30)]
    public Property Weight_distance_is_a_metric_and_clones_are_independent() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var config = new Gpt2Config(11, 4, 4, 1, 2);
            var a = Gpt2Weights.Init(config, (ulong)seed);
            var b = Gpt2Weights.Init(config, (ulong)seed + 1);
            var c = a.Clone();
            c["ln_f.bias"][0] = 3;
            double ab = Gpt2Weights.Distance(a, b);
            return Gpt2Weights.Distance(a, a) == 0 && ab == Gpt2Weights.Distance(b, a)
                && Gpt2Weights.Distance(a, c) == 3 && a["ln_f.bias"][0] == 0
                && Gpt2Weights.Distance(b, c) <= ab + 3 + 1e-12;
        });
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Model;

namespace Unlearning.Properties.Model;

[Properties(Arbitrary = new[] { typeof(ModelArbitraries) })]
public sealed class Gpt2ConfigLaws
{
    [Property]
    public bool Validation_accepts_exactly_positive_sizes_with_n_embd_a_multiple_of_n_head(Gpt2Config c) =>
        Gpt2Config.Validate(c).IsRight
        == (c.VocabSize > 0 && c.NPositions > 0 && c.NLayer > 0 && c.NHead > 0 && c.NEmbd > 0 && c.NEmbd % c.NHead == 0);

    [Property]
    public Property Parameter_count_is_GPT2s_closed_form() =>
        // Per block: c_attn 3C²+3C, c_proj C²+C, c_fc 4C²+4C, mlp c_proj 4C²+C, two LayerNorms 4C.
        Prop.ForAll(ModelArbitraries.Configs().Filter(c => Gpt2Config.Validate(c).IsRight), c =>
        {
            long C = c.NEmbd;
            return c.ParameterCount() == c.NLayer * ((12 * C * C) + (13 * C)) + ((long)c.VocabSize + c.NPositions) * C + (2 * C);
        });

    [Fact]
    public void The_error_for_indivisible_heads_names_the_field_and_the_limit()
    {
        var error = Gpt2Config.Validate(new Gpt2Config(100, 64, 30, 2, 4)).Match(_ => "", e => e.ToString());
        Assert.Equal("model configuration: n_embd: expected a positive multiple of n_head (4), found 30", error);
    }

    [Fact]
    public void GPT2_small_has_124M_parameters() =>
        Assert.Equal(124_439_808, new Gpt2Config(50257, 1024, 768, 12, 12).ParameterCount());
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Plotting;

namespace Unlearning.Properties.Report;

[Properties(Arbitrary = new[] { typeof(ReportArbitraries) })]
public sealed class PlotLaws
{
    [Property]
    public bool Ticks_cover_the_data_with_a_1_2_5_step_and_a_handful_of_values(PlotRange r)
    {
        var (low, high, step, values) = Ticks.Nice(r.Min, r.Max);
        var mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        return low <= r.Min && high >= r.Max
            && new[] { 1.0, 2.0, 5.0, 10.0 }.Any(m => Math.Abs(mantissa - m) < 1e-9)
            && values.Count >= 2 && values.Count <= 13
            && values.Zip(values.Skip(1), (a, b) => b > a).All(ok => ok);
    }

    [Property]
    public bool Tick_labels_are_distinct(PlotRange r)
    {
        var (_, _, step, values) = Ticks.Nice(r.Min, r.Max);
        var labels = values.Select(v => Ticks.Format(v, step)).ToList();
        return labels.Distinct().Count() == labels.Count;
    }

    [Fact]
    public void Points_map_inside_the_plot_and_text_is_escaped()
    {
        var chart = new Chart("a <b> & \"c\"", new Axis("x", "s"), new Axis("y", ""), [new Series("d&e", [(0, 0), (1, 2), (3, -1)], "#000", Mark.Dots)]);
        var document = System.Xml.Linq.XDocument.Parse(Svg.Render(chart));
        var circles = document.Descendants().Where(e => e.Name.LocalName == "circle").ToList();
        Assert.Equal(4, circles.Count); // three points and the legend's marker
        foreach (var c in circles.Take(3))
        {
            var (cx, cy) = ((double)c.Attribute("cx")!, (double)c.Attribute("cy")!);
            Assert.InRange(cx, 72, Svg.DefaultWidth - 190);
            Assert.InRange(cy, 44, Svg.DefaultHeight - 78);
        }

        Assert.Contains(document.Descendants().Where(e => e.Name.LocalName == "text"), t => t.Value == "a <b> & \"c\"");
    }
}

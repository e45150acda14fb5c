using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Unlearning.Core.Plotting;

namespace Unlearning.Core.Report;

/// <summary>report.html: one self-contained file (inline CSS, inline SVG figures, no scripts, no links out).</summary>
public static partial class Html
{
    private const string Style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
        h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
        h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #eee; }
        h3 { font-size: 1.1em; margin-top: 1.4em; }
        table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
        th, td { border: 1px solid #d0d0d0; padding: .3em .6em; vertical-align: top; }
        th { background: #f3f3f3; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        code { background: #f3f3f3; padding: 0 .25em; border-radius: 3px; }
        strong.holds { color: #fff; background: #1a7f37; padding: 0 .35em; border-radius: 3px; }
        strong.does-not-hold { color: #fff; background: #b42318; padding: 0 .35em; border-radius: 3px; }
        strong.inconclusive { color: #222; background: #f2c94c; padding: 0 .35em; border-radius: 3px; }
        figure { margin: 1.5em 0; }
        figcaption { color: #444; font-size: .92em; max-width: 760px; }
        svg { max-width: 100%; height: auto; }
        """;

    public static string Render(IReadOnlyList<Block> blocks)
    {
        var title = blocks.OfType<Heading>().FirstOrDefault()?.Text ?? "Unlearning report";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    html.Append($"<h{h.Level}>").Append(Inline(h.Text)).Append($"</h{h.Level}>\n");
                    break;
                case Paragraph p:
                    html.Append("<p>").Append(Inline(p.Text)).Append("</p>\n");
                    break;
                case Bullets b:
                    html.Append("<ul>\n");
                    foreach (var item in b.Items)
                    {
                        html.Append("<li>").Append(Inline(item)).Append("</li>\n");
                    }

                    html.Append("</ul>\n");
                    break;
                case Table t:
                    html.Append("<table>\n");
                    if (t.Header.Any(h => h.Length > 0))
                    {
                        // Markdown needs a header row; a key–value table without one reads better without it.
                        html.Append("<thead><tr>");
                        foreach (var header in t.Header)
                        {
                            html.Append("<th>").Append(Inline(header)).Append("</th>");
                        }

                        html.Append("</tr></thead>\n");
                    }

                    html.Append("<tbody>\n");
                    foreach (var row in t.Rows)
                    {
                        html.Append("<tr>");
                        for (var i = 0; i < row.Count; i++)
                        {
                            html.Append(t.NumericColumns.Contains(i) ? "<td class=\"num\">" : "<td>").Append(Inline(row[i])).Append("</td>");
                        }

                        html.Append("</tr>\n");
                    }

                    html.Append("</tbody>\n</table>\n");
                    break;
                case FigureBlock f:
                    html.Append("<figure id=\"").Append(f.Figure.Stem).Append("\">\n").Append(Svg.Render(f.Figure.Chart, id: f.Figure.Stem));
                    html.Append("<figcaption>").Append(Inline(f.Figure.Caption)).Append("</figcaption>\n</figure>\n");
                    break;
            }
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Escapes, then turns **bold**, *italic* and `code` into tags; verdict words get a coloured badge.</summary>
    private static string Inline(string text)
    {
        var escaped = WebUtility.HtmlEncode(text);
        escaped = CodeSpan().Replace(escaped, "<code>$1</code>");
        escaped = BoldSpan().Replace(escaped, m => m.Groups[1].Value switch
        {
            "holds" => "<strong class=\"holds\">holds</strong>",
            "does not hold" => "<strong class=\"does-not-hold\">does not hold</strong>",
            "inconclusive" => "<strong class=\"inconclusive\">inconclusive</strong>",
            var other => $"<strong>{other}</strong>",
        });
        return ItalicSpan().Replace(escaped, "<em>$1</em>");
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\*\*([^*]+)\*\*")]
    private static partial Regex BoldSpan();

    [GeneratedRegex(@"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")]
    private static partial Regex ItalicSpan();
}

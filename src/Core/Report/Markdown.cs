using System.Text;

namespace Unlearning.Core.Report;

/// <summary>report.md: GitHub-flavoured Markdown; figures as image links to files beside it.</summary>
public static class Markdown
{
    /// <param name="imageExtension">"png" when PNG files were written, else "svg".</param>
    public static string Render(IReadOnlyList<Block> blocks, string imageExtension)
    {
        var md = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    md.Append('#', h.Level).Append(' ').Append(h.Text).Append("\n\n");
                    break;
                case Paragraph p:
                    md.Append(p.Text).Append("\n\n");
                    break;
                case Bullets b:
                    foreach (var item in b.Items)
                    {
                        md.Append("- ").Append(item).Append('\n');
                    }

                    md.Append('\n');
                    break;
                case Table t:
                    md.Append("| ").Append(string.Join(" | ", t.Header.Select(Cell))).Append(" |\n");
                    md.Append('|').Append(string.Join("|", t.Header.Select((_, i) => t.NumericColumns.Contains(i) ? "---:" : "---"))).Append("|\n");
                    foreach (var row in t.Rows)
                    {
                        md.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
                    }

                    md.Append('\n');
                    break;
                case FigureBlock f:
                    md.Append("![").Append(f.Figure.Chart.Title).Append("](").Append(f.Figure.Stem).Append('.').Append(imageExtension).Append(")\n\n");
                    md.Append(f.Figure.Caption).Append("\n\n");
                    break;
            }
        }

        return md.ToString().TrimEnd('\n') + "\n";
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

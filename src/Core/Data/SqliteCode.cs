using System.Globalization;
using System.Text;

namespace Unlearning.Core.Data;

/// <summary>
/// The code source: SQLite's amalgamation <c>sqlite3.c</c> (better-sqlite3's deps), cut into documents at
/// function boundaries. SQLite's style closes every top-level body (function, struct, table) with a
/// <c>}</c> in column 0, so a document runs from just after one such line to the next one inclusive: a
/// function with the comment and declarations above it. A stretch with no such brace (macro blocks,
/// long comment banners) is cut at the first blank line after <see cref="MaxLines"/> lines, so no
/// document is unboundedly long. Whitespace-only documents are dropped.
/// </summary>
public static class SqliteCode
{
    /// <summary>Lines after which a document without a closing brace is cut at the next blank line.</summary>
    public const int MaxLines = 200;

    public static IReadOnlyList<Document> Read(string sqlite3C)
    {
        var documents = new List<Document>();
        var current = new StringBuilder();
        var lines = sqlite3C.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var startLine = 1;
        var count = 0;

        void Emit(int nextLine)
        {
            var text = current.ToString();
            if (!string.IsNullOrWhiteSpace(text))
            {
                documents.Add(new Document(
                    Sources.Code,
                    $"code/{documents.Count:D5}",
                    text.Trim('\n'),
                    new Dictionary<string, string> { ["line"] = startLine.ToString(CultureInfo.InvariantCulture) }));
            }

            current.Clear();
            count = 0;
            startLine = nextLine;
        }

        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l];
            if (count == 0 && line.Length == 0)
            {
                startLine = l + 2;
                continue;
            }

            current.Append(line).Append('\n');
            count++;
            if (line.StartsWith('}') || (count >= MaxLines && line.Trim().Length == 0))
            {
                Emit(l + 2);
            }
        }

        Emit(lines.Length + 1);
        return documents;
    }
}

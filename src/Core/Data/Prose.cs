using System.Text.RegularExpressions;

namespace Unlearning.Core.Data;

/// <summary>Optional extra prose: Moby-Dick (one document per chapter) and the State of the Union addresses (one per address).</summary>
public static partial class Prose
{
    /// <summary>Moby-Dick's data.txt cut before each "CHAPTER n." heading; the front matter is the first document.</summary>
    public static IReadOnlyList<Document> MobyDick(string book)
    {
        var text = book.Replace("\r\n", "\n", StringComparison.Ordinal);
        var starts = ChapterHeading().Matches(text).Select(m => m.Index).Prepend(0).Append(text.Length).Distinct().ToList();
        var documents = new List<Document>();
        for (var k = 0; k + 1 < starts.Count; k++)
        {
            var chapter = text[starts[k]..starts[k + 1]].Trim();
            if (chapter.Length > 0)
            {
                documents.Add(new Document(Sources.MobyDick, $"moby/{documents.Count:D3}", chapter));
            }
        }

        return documents;
    }

    /// <summary>State of the Union: (file name, text) pairs such as ("1790_george_washington_n.txt", …), one document each, by name.</summary>
    public static IReadOnlyList<Document> StateOfTheUnion(IEnumerable<(string Name, string Content)> files) =>
        files.Where(f => f.Name.EndsWith(".txt", StringComparison.Ordinal) && f.Content.Trim().Length > 0)
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new Document(Sources.StateOfTheUnion, $"sotu/{f.Name[..^4]}", f.Content.Replace("\r\n", "\n", StringComparison.Ordinal).Trim()))
            .ToList();

    [GeneratedRegex(@"^CHAPTER \d+\.", RegexOptions.Multiline)]
    private static partial Regex ChapterHeading();
}

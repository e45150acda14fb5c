using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Unlearning.Core.Data;

/// <summary>
/// The spam source: SpamAssassin's spam-1 and spam-2 messages (raw RFC 822 e-mail). A message's text
/// is its body with the headers dropped: MIME parts are followed (multipart/alternative keeps its plain
/// part when it has one, multipart/mixed keeps every text part), quoted-printable and base64 are
/// decoded, UTF-8 is honoured and every other charset is read as Latin-1 (lossless on bytes), HTML is
/// reduced to its text, and whitespace runs are tidied. Non-text parts (images, attachments) are dropped.
/// </summary>
public static partial class SpamAssassin
{
    /// <summary>Documents from (path inside data/, raw bytes) pairs, e.g. ("spam-1/00001.7848….txt", …), by path;
    /// messages whose text is empty are dropped.</summary>
    public static IReadOnlyList<Document> Read(IEnumerable<(string Name, byte[] Content)> files)
    {
        var documents = new List<Document>();
        foreach (var (name, content) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var text = BodyText(content);
            if (text.Length == 0)
            {
                continue;
            }

            var id = name.EndsWith(".txt", StringComparison.Ordinal) ? name[..^4] : name;
            documents.Add(new Document(Sources.Spam, $"spam/{id}", text, new Dictionary<string, string> { ["file"] = name }));
        }

        return documents;
    }

    /// <summary>The readable text of one raw message.</summary>
    public static string BodyText(byte[] raw) =>
        Tidy(Entity(Encoding.Latin1.GetString(raw).Replace("\r\n", "\n", StringComparison.Ordinal)));

    /// <summary>One MIME entity (headers + body, as Latin-1 text) → its text.</summary>
    private static string Entity(string entity)
    {
        var split = HeaderEnd(entity);
        var (head, body) = split < 0 ? (entity, "") : (entity[..split], entity[(split + 2)..]);
        var headers = Headers(head);
        var contentType = headers.GetValueOrDefault("content-type", "text/plain");
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        var encoding = headers.GetValueOrDefault("content-transfer-encoding", "").Trim().ToLowerInvariant();

        var boundary = mediaType.StartsWith("multipart/", StringComparison.Ordinal) ? Parameter(contentType, "boundary") : null;
        if (string.IsNullOrEmpty(boundary) && !headers.ContainsKey("content-type") && UndeclaredBoundary().Match(body) is { Success: true } found)
        {
            // A message that lost its Content-Type header but whose body is plainly MIME parts.
            (boundary, mediaType) = (found.Groups[1].Value.TrimEnd(), "multipart/mixed");
        }

        if (!string.IsNullOrEmpty(boundary))
        {
            var parts = Parts(body, boundary).Select(p => (Type: PartType(p), Text: Entity(p))).Where(p => p.Text.Trim().Length > 0).ToList();
            if (mediaType == "multipart/alternative" && parts.Count > 0)
            {
                return (parts.FirstOrDefault(p => p.Type == "text/plain").Text ?? parts[0].Text);
            }

            return string.Join("\n\n", parts.Select(p => p.Text));
        }

        if (!mediaType.StartsWith("text/", StringComparison.Ordinal) && mediaType != "message/rfc822")
        {
            return "";
        }

        if (mediaType == "message/rfc822")
        {
            return Entity(body);
        }

        var bytes = encoding switch
        {
            "quoted-printable" => QuotedPrintable(body),
            "base64" => Base64(body) ?? Encoding.Latin1.GetBytes(body),
            _ => Encoding.Latin1.GetBytes(body),
        };
        var charset = (Parameter(contentType, "charset") ?? "").ToLowerInvariant();
        var text = charset is "utf-8" or "utf8" ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
        return mediaType == "text/html" || LooksLikeHtml(text) ? HtmlToText(text) : text;
    }

    /// <summary>
    /// Where the header ends: the first blank line, unless the line after it is an indented encoded word
    /// (<c> =?GB2312?B?…?=</c>), a folded header some spam senders broke with blank lines.
    /// </summary>
    private static int HeaderEnd(string entity)
    {
        var at = 0;
        while (true)
        {
            var split = entity.IndexOf("\n\n", at, StringComparison.Ordinal);
            if (split < 0 || !FoldedEncodedWord().IsMatch(entity.AsSpan(split + 2)))
            {
                return split;
            }

            at = split + 2;
        }
    }

    private static string PartType(string part)
    {
        var split = HeaderEnd(part);
        var headers = Headers(split < 0 ? part : part[..split]);
        return headers.GetValueOrDefault("content-type", "text/plain").Split(';')[0].Trim().ToLowerInvariant();
    }

    /// <summary>Header fields, unfolded (continuation lines start with a space or tab), names in lower case; the first of each wins.</summary>
    private static Dictionary<string, string> Headers(string head)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        foreach (var line in head.Split('\n'))
        {
            if (line.Length > 0 && line[0] is ' ' or '\t' && name is not null)
            {
                headers[name] += " " + line.Trim();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                name = null;
                continue;
            }

            name = line[..colon].Trim().ToLowerInvariant();
            if (!headers.TryAdd(name, line[(colon + 1)..].Trim()))
            {
                name = null;
            }
        }

        return headers;
    }

    private static string? Parameter(string header, string parameter)
    {
        var match = Regex.Match(header, $@";\s*{parameter}\s*=\s*(?:""([^""]*)""|([^;\s]+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return match.Success ? (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value) : null;
    }

    /// <summary>The parts between <c>--boundary</c> lines, up to <c>--boundary--</c>.</summary>
    private static IEnumerable<string> Parts(string body, string boundary)
    {
        var delimiter = "--" + boundary;
        var parts = new List<string>();
        StringBuilder? current = null;
        foreach (var line in body.Split('\n'))
        {
            var trimmed = line.TrimEnd();
            if (trimmed == delimiter + "--")
            {
                break;
            }

            if (trimmed == delimiter)
            {
                if (current is not null)
                {
                    parts.Add(current.ToString());
                }

                current = new StringBuilder();
                continue;
            }

            current?.Append(line).Append('\n');
        }

        if (current is not null)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }

    /// <summary>Quoted-printable (RFC 2045): <c>=XX</c> is a byte, <c>=</c> at a line's end joins lines.</summary>
    public static byte[] QuotedPrintable(string text)
    {
        var output = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '=')
            {
                var j = i + 1;
                while (j < text.Length && text[j] is ' ' or '\t')
                {
                    j++;
                }

                if (j < text.Length && text[j] == '\n')
                {
                    i = j;
                    continue;
                }

                if (i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
                {
                    output.Add((byte)Convert.ToInt32(text.Substring(i + 1, 2), 16));
                    i += 2;
                    continue;
                }
            }

            output.Add(c < 256 ? (byte)c : (byte)'?');
        }

        return [.. output];
    }

    private static byte[]? Base64(string text)
    {
        var compact = new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray());
        var buffer = new byte[compact.Length];
        return Convert.TryFromBase64String(compact, buffer, out var written) ? buffer[..written] : null;
    }

    private static bool LooksLikeHtml(string text) =>
        text.Contains("<html", StringComparison.OrdinalIgnoreCase) || text.Contains("<body", StringComparison.OrdinalIgnoreCase)
        || text.Contains("<table", StringComparison.OrdinalIgnoreCase) || text.Contains("<font", StringComparison.OrdinalIgnoreCase)
        || text.Contains("<br>", StringComparison.OrdinalIgnoreCase) || text.Contains("<a href", StringComparison.OrdinalIgnoreCase);

    /// <summary>HTML → text: drops comments, scripts, styles and the head; block tags become line breaks,
    /// other tags vanish; entities are decoded.</summary>
    public static string HtmlToText(string html)
    {
        var text = Comments().Replace(html, " ");
        text = Invisible().Replace(text, " ");
        text = BlockTags().Replace(text, "\n");
        text = Tags().Replace(text, "");
        return WebUtility.HtmlDecode(text);
    }

    /// <summary>Spaces and tabs collapse to one space, lines are trimmed, at most one blank line in a row.</summary>
    private static string Tidy(string text)
    {
        var lines = text.Replace('\r', '\n').Split('\n').Select(l => Spaces().Replace(l, " ").Trim());
        var output = new StringBuilder();
        var blank = 0;
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                blank++;
                continue;
            }

            if (output.Length > 0)
            {
                output.Append(blank > 0 ? "\n\n" : "\n");
            }

            output.Append(line);
            blank = 0;
        }

        return output.ToString();
    }

    [GeneratedRegex(@"\A[ \t]+=\?")]
    private static partial Regex FoldedEncodedWord();

    [GeneratedRegex(@"^--([^\n]+)\n(?i:content-type):", RegexOptions.Multiline)]
    private static partial Regex UndeclaredBoundary();

    [GeneratedRegex("<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"<(script|style|head|title)\b.*?</\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Invisible();

    [GeneratedRegex(@"<\s*/?\s*(br|p|div|tr|li|ul|ol|table|h[1-6]|blockquote|center|hr|pre)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockTags();

    [GeneratedRegex(@"</?[a-zA-Z!][^>]*>", RegexOptions.Singleline)]
    private static partial Regex Tags();

    [GeneratedRegex(@"[ \t\f\v\u00a0]+")]
    private static partial Regex Spaces();
}

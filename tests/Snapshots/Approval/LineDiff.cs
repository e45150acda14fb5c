using System.Text;

namespace Unlearning.Snapshots.Approval;

/// <summary>A line diff from the longest common subsequence, printed with 2 lines of context.</summary>
internal static class LineDiff
{
    private const int Context = 2;

    public static string Render(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var ops = Diff(a, b);
        var keep = new bool[ops.Count];
        for (int i = 0; i < ops.Count; i++)
        {
            if (ops[i].Kind != ' ')
            {
                for (int j = Math.Max(0, i - Context); j <= Math.Min(ops.Count - 1, i + Context); j++)
                {
                    keep[j] = true;
                }
            }
        }

        var sb = new StringBuilder();
        bool gap = false;
        for (int i = 0; i < ops.Count; i++)
        {
            if (!keep[i])
            {
                gap = true;
                continue;
            }

            if (gap)
            {
                sb.Append("  ...\n");
            }

            gap = false;
            sb.Append(ops[i].Kind).Append(' ').Append(ops[i].Line).Append('\n');
        }

        if (gap)
        {
            sb.Append("  ...\n");
        }

        return sb.ToString();
    }

    /// <summary>Edit script: ' ' kept, '-' only in <paramref name="a"/>, '+' only in <paramref name="b"/>.</summary>
    internal static List<(char Kind, string Line)> Diff(string[] a, string[] b)
    {
        // lcs[i, j] = length of the LCS of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var ops = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', a[x++]));
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                ops.Add(('-', a[x++]));
            }
            else
            {
                ops.Add(('+', b[y++]));
            }
        }

        return ops;
    }
}

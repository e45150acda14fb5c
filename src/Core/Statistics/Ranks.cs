namespace Unlearning.Core.Statistics;

/// <summary>Ranks with ties averaged (SciPy's <c>rankdata(method="average")</c>), 1-based.</summary>
public static class Ranks
{
    /// <summary>
    /// rank(v_i) = 1 + #{j : v_j &lt; v_i} + (#{j : v_j = v_i} − 1)/2. Infinities rank like any value;
    /// callers reject NaN before (it has no order).
    /// </summary>
    public static double[] Average(IReadOnlyList<double> values)
    {
        var n = values.Count;
        var keys = values.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        // Tied values share one averaged rank, so an unstable sort gives the same ranks.
        Array.Sort(keys, order);
        var ranks = new double[n];
        var start = 0;
        while (start < n)
        {
            var end = start;
            while (end + 1 < n && keys[end + 1].Equals(keys[start]))
            {
                end++;
            }

            // Positions start..end (0-based) share the mean of ranks start+1..end+1.
            var rank = ((start + end) / 2.0) + 1.0;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }

            start = end + 1;
        }

        return ranks;
    }

    /// <summary>Σ (t³ − t) over groups of t tied values: the tie correction of rank tests.</summary>
    public static double TieTerm(IReadOnlyList<double> values) =>
        values.GroupBy(v => v).Select(g => (double)g.Count()).Sum(t => (t * t * t) - t);
}

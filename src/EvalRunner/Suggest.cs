namespace EvalRunner;

/// <summary>"did you mean" hints for misspelt keys and names.</summary>
internal static class Suggest
{
    /// <summary>" (did you mean 'x'?)" for the closest candidate within a few edits, else empty.</summary>
    public static string DidYouMean(string given, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(candidate => (candidate, distance: Distance(given.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .OrderBy(pair => pair.distance)
            .FirstOrDefault();
        var limit = Math.Max(2, given.Length / 3);
        return best.candidate is not null && best.distance <= limit ? $" (did you mean '{best.candidate}'?)" : string.Empty;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

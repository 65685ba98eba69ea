using EvalRunner.Datasets;
using EvalRunner.Logs;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>
/// The expected tool calls of a datapoint against the calls a log made: how many were matched (in order for
/// <c>strict</c> and <c>in_order</c>, as multisets otherwise), whether the match mode is met, and why not.
/// </summary>
internal sealed record ToolCallComparison
{
    public required bool Passed { get; init; }

    /// <summary>Pairs of an expected call and a call made that matches it, each used once.</summary>
    public required int Matched { get; init; }

    /// <summary>The tool calls the log made.</summary>
    public required int Made { get; init; }

    /// <summary>The first expectation not met, then the calls made; empty when <see cref="Passed"/>.</summary>
    public required string Reason { get; init; }

    /// <summary>A log without a trajectory, for a datapoint that expects calls: nothing can be matched.</summary>
    public static ToolCallComparison Unrecorded(IReadOnlyList<ExpectedToolCall> expected) => new()
    {
        Passed = false,
        Matched = 0,
        Made = 0,
        Reason = $"expected {string.Join(", ", expected.Select(e => Quote(e.Name)))}, but the log has no recorded trajectory "
            + "(no steps: the model config offers no tools, or the log brought none)",
    };

    public static ToolCallComparison Compare(IReadOnlyList<ExpectedToolCall> expected, IReadOnlyList<TrajectoryStep> made, ToolCallMatch match, ArgumentMatch arguments)
    {
        var matches = new bool[expected.Count, made.Count];
        for (var e = 0; e < expected.Count; e++)
        {
            for (var m = 0; m < made.Count; m++)
            {
                matches[e, m] = expected[e].Name == made[m].Name && ToolArguments.Match(expected[e].Arguments, made[m], arguments);
            }
        }

        var comparison = new Comparer(expected, made, matches, arguments);
        var matched = match is ToolCallMatch.Strict or ToolCallMatch.InOrder ? comparison.InOrder() : comparison.AnyOrder(out _, out _);
        var passed = match switch
        {
            ToolCallMatch.Strict => matched == expected.Count && matched == made.Count,
            ToolCallMatch.InOrder => matched == expected.Count,
            ToolCallMatch.AnyOrder => matched == expected.Count && matched == made.Count,
            ToolCallMatch.Superset => matched == expected.Count,
            _ => matched == made.Count,
        };
        return new ToolCallComparison { Passed = passed, Matched = matched, Made = made.Count, Reason = passed ? string.Empty : comparison.Reason(match) };
    }

    private static string Quote(string? name) => $"`{name}`";

    private static string Times(int count) => count == 1 ? "once" : $"{count} times";

    private sealed class Comparer(IReadOnlyList<ExpectedToolCall> expected, IReadOnlyList<TrajectoryStep> made, bool[,] matches, ArgumentMatch arguments)
    {
        /// <summary>The longest common subsequence of expected calls and calls made, under the match relation.</summary>
        public int InOrder()
        {
            var lengths = new int[expected.Count + 1, made.Count + 1];
            for (var e = 1; e <= expected.Count; e++)
            {
                for (var m = 1; m <= made.Count; m++)
                {
                    lengths[e, m] = matches[e - 1, m - 1] ? lengths[e - 1, m - 1] + 1 : Math.Max(lengths[e - 1, m], lengths[e, m - 1]);
                }
            }

            return lengths[expected.Count, made.Count];
        }

        /// <summary>
        /// A maximum matching of expected calls to calls made (Kuhn's augmenting paths, expected calls in order), as
        /// multisets: a call expected twice and made once is matched once.
        /// </summary>
        public int AnyOrder(out int[] madeFor, out int[] expectedFor)
        {
            madeFor = new int[expected.Count];
            expectedFor = new int[made.Count];
            Array.Fill(madeFor, -1);
            Array.Fill(expectedFor, -1);
            var count = 0;
            for (var e = 0; e < expected.Count; e++)
            {
                if (Augment(e, new bool[made.Count], madeFor, expectedFor))
                {
                    count++;
                }
            }

            return count;
        }

        private bool Augment(int e, bool[] seen, int[] madeFor, int[] expectedFor)
        {
            for (var m = 0; m < made.Count; m++)
            {
                if (!matches[e, m] || seen[m])
                {
                    continue;
                }

                seen[m] = true;
                if (expectedFor[m] < 0 || Augment(expectedFor[m], seen, madeFor, expectedFor))
                {
                    madeFor[e] = m;
                    expectedFor[m] = e;
                    return true;
                }
            }

            return false;
        }

        public string Reason(ToolCallMatch match)
        {
            var got = made.Count == 0 ? "got no tool calls" : "got " + string.Join(", ", made.Select(m => Quote(m.Name)));
            if (expected.Count == 0)
            {
                return $"expected no tool calls, {got}";
            }

            var (what, detail) = match switch
            {
                ToolCallMatch.Strict => Strict(),
                ToolCallMatch.InOrder => InOrderReason(),
                _ => Multiset(match),
            };
            return $"{what}, {got}" + (detail is null ? string.Empty : "; " + detail);
        }

        /// <summary>The first position where the calls made leave the expected sequence.</summary>
        private (string What, string? Detail) Strict()
        {
            var i = 0;
            while (i < expected.Count && i < made.Count && matches[i, i])
            {
                i++;
            }

            if (i < expected.Count)
            {
                var what = i == 0 ? $"expected {Quote(expected[i].Name)} first" : $"expected {Quote(expected[i].Name)} after {Quote(expected[i - 1].Name)}";
                var candidates = i < made.Count ? [i, .. Enumerable.Range(0, made.Count)] : Enumerable.Range(0, made.Count);
                return (what, Detail(i, candidates));
            }

            return ($"unexpected {Quote(made[i].Name)} after {Quote(made[i - 1].Name)}", null);
        }

        /// <summary>The first expected call that cannot be found after the ones before it (taking each at its earliest).</summary>
        private (string What, string? Detail) InOrderReason()
        {
            var from = 0;
            for (var e = 0; e < expected.Count; e++)
            {
                var found = Enumerable.Range(from, made.Count - from).FirstOrDefault(m => matches[e, m], -1);
                if (found < 0)
                {
                    var what = e == 0 ? $"expected {Quote(expected[e].Name)}" : $"expected {Quote(expected[e].Name)} after {Quote(expected[e - 1].Name)}";
                    return (what, Detail(e, [.. Enumerable.Range(from, made.Count - from), .. Enumerable.Range(0, from)]));
                }

                from = found + 1;
            }

            // Unreachable: in_order fails only when an expected call is not found.
            return ("expected the calls in order", null);
        }

        /// <summary>The first expected call left unmatched (superset, any_order), else the first call made left unmatched (subset, any_order).</summary>
        private (string What, string? Detail) Multiset(ToolCallMatch match)
        {
            AnyOrder(out var madeFor, out var expectedFor);
            var missing = Array.IndexOf(madeFor, -1);
            if (match != ToolCallMatch.Subset && missing >= 0)
            {
                var name = expected[missing].Name;
                var count = expected.Count(e => e.Name == name);
                var what = count == 1 ? $"expected {Quote(name)}" : $"expected {Quote(name)} {count} times";
                return (what, Detail(missing, Enumerable.Range(0, made.Count).Where(m => expectedFor[m] < 0)));
            }

            var extra = Array.IndexOf(expectedFor, -1);
            var called = made[extra].Name;
            var expectedCount = expected.Count(e => e.Name == called);
            var unexpected = expectedCount == 0 ? $"unexpected {Quote(called)}" : $"unexpected {Quote(called)} (expected {Times(expectedCount)})";
            var unmatched = Enumerable.Range(0, expected.Count).FirstOrDefault(e => madeFor[e] < 0 && expected[e].Name == called, -1);
            return (unexpected, unmatched < 0 ? null : Detail(unmatched, [extra]));
        }

        /// <summary>Why the first candidate call of the same name does not match the expected call: its arguments.</summary>
        private string? Detail(int e, IEnumerable<int> candidates)
        {
            if (arguments == ArgumentMatch.Ignore || expected[e].Arguments is not { } wanted)
            {
                return null;
            }

            var same = candidates.FirstOrDefault(m => made[m].Name == expected[e].Name && !matches[e, m], -1);
            return same < 0 ? null : ToolArguments.Problem(wanted, made[same], arguments);
        }
    }
}

using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Comparisons;

/// <summary>Per datapoint: flips, new, removed and scores that moved; and the responses of the regressions.</summary>
internal static partial class ComparisonBuilder
{
    private sealed record ChangeLists
    {
        public int Shared { get; init; }

        public int Regressions { get; init; }

        public required List<(string Model, string Id)> RegressionKeys { get; init; }

        public required List<DatapointRef> Fixes { get; init; }

        public required List<DatapointRef> New { get; init; }

        public required List<DatapointRef> Removed { get; init; }

        public required List<ScoreChange> Changed { get; init; }
    }

    private static ChangeLists Changes(
        Dictionary<(string Model, string Id), List<RowFacts>> head,
        Dictionary<(string Model, string Id), List<RowFacts>> @base,
        bool found,
        double tolerance,
        Dictionary<string, ColumnType> types,
        Suite? suite)
    {
        var lists = new ChangeLists { RegressionKeys = [], Fixes = [], New = [], Removed = [], Changed = [] };
        if (!found)
        {
            return lists;
        }

        // Integer and float columns as the rows carry them (a bool is a flip, not a score); wall time moves on every run,
        // so listing it would list every datapoint.
        var numeric = types.Where(t => t.Value is ColumnType.Integer or ColumnType.Float
                && suite?.Columns.GetValueOrDefault(t.Key) is null or { Type: ColumnType.Integer or ColumnType.Float, WallTime: false })
            .Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
        var (shared, regressions) = (0, 0);
        foreach (var key in head.Keys.Union(@base.Keys).OrderBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.Id, StringComparer.Ordinal))
        {
            var reference = new DatapointRef { DatapointId = key.Id, ModelConfig = key.Model };
            var inHead = head.TryGetValue(key, out var headTrials);
            var inBase = @base.TryGetValue(key, out var baseTrials);
            if (!inBase)
            {
                lists.New.Add(reference with { Passed = Passed(headTrials!, suite) });
                continue;
            }

            if (!inHead)
            {
                lists.Removed.Add(reference);
                continue;
            }

            shared++;
            var (basePassed, headPassed) = (Passed(baseTrials!, suite), Passed(headTrials!, suite));
            if (basePassed && !headPassed)
            {
                regressions++;
                if (lists.RegressionKeys.Count < MaxListed)
                {
                    lists.RegressionKeys.Add(key);
                }
            }
            else if (!basePassed && headPassed)
            {
                lists.Fixes.Add(reference);
            }

            foreach (var column in numeric)
            {
                if (Mean(baseTrials!, column) is { } b && Mean(headTrials!, column) is { } h && Math.Abs(h - b) > tolerance)
                {
                    lists.Changed.Add(new ScoreChange { DatapointId = key.Id, ModelConfig = key.Model, Column = column, Base = b, Head = h });
                }
            }
        }

        // The new datapoints that did not pass first: what a reviewer of a green gate needs to see (the gate compares the
        // shared datapoints only, unless a rule says new_datapoints: must_pass).
        return lists with { Shared = shared, Regressions = regressions, New = [.. lists.New.Where(n => n.Passed == false), .. lists.New.Where(n => n.Passed != false)] };
    }

    /// <summary>
    /// A datapoint passed as the run decides it: at least <c>run.min_passes</c> of its trials passed (its one row,
    /// without repeats). A run with another number of trials than the suite's repeat (a baseline run with another
    /// <c>repeat</c>) passes a datapoint when more than half of its trials passed.
    /// </summary>
    private static bool Passed(List<RowFacts> trials, Suite? suite) =>
        suite is { Options: var options } && trials.Count == options.Repeat
            ? trials.Count(t => t.Passed) >= options.RequiredPasses
            : trials.Count(t => t.Passed) * 2 > trials.Count;

    private static double? Mean(List<RowFacts> trials, string column)
    {
        var values = trials.Where(t => !t.Error).Select(t => t.Values.GetValueOrDefault(column)).OfType<double>().ToList();
        return values.Count == 0 ? null : values.Average();
    }

    /// <summary>
    /// Both responses of the listed regressions: the baseline's first passing trial and the head's first trial that did
    /// not pass (the one that says why). A second pass over both files, so only these are held.
    /// </summary>
    private static List<DatapointChange> Responses(ComparisonRequest request, RunResult baseRun, List<(string Model, string Id)> keys)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        var wanted = keys.ToHashSet();
        var baseRows = Pick(BaseRows(request, baseRun.OutputDirectory, baseRun.Results), wanted, wantPassed: true);
        var headRows = Pick(HeadRows(request, request.HeadDirectory, request.Head.Results), wanted, wantPassed: false);
        var repeated = request.Head.Datapoints is not null;
        return [.. keys.Select(key =>
        {
            var b = baseRows.GetValueOrDefault(key);
            var h = headRows.GetValueOrDefault(key);
            IReadOnlyList<string> problems = h is null ? [] : h.Error is { } error ? [error.Message] : h.FailedRules;
            // With repeated trials, which trial is shown: its others may have passed.
            var trial = repeated && h is not null ? $"trial {h.Trial}: " : string.Empty;
            return new DatapointChange
            {
                DatapointId = key.Id,
                ModelConfig = key.Model,
                Input = Cut(h?.Input ?? b?.Input),
                BaseResponse = Cut(b?.Log.Response),
                HeadResponse = Cut(h?.Log.Response),
                HeadProblems = [.. problems.Take(10).Select((p, i) => Cut(i == 0 ? trial + p : p))],
            };
        })];
    }

    /// <summary>
    /// Per wanted datapoint, its row of least trial number whose outcome is (<paramref name="wantPassed"/>) or is not a
    /// pass; else its row of least trial number.
    /// </summary>
    private static Dictionary<(string, string), Row> Pick(IEnumerable<Row> rows, HashSet<(string Model, string Id)> wanted, bool wantPassed)
    {
        var picked = new Dictionary<(string, string), Row>();
        foreach (var row in rows)
        {
            var key = (row.ModelConfig, row.DatapointId);
            if (!wanted.Contains(key) || row.NeedsLiveRun)
            {
                continue;
            }

            if (!picked.TryGetValue(key, out var held) || Better(row, held))
            {
                picked[key] = row;
            }
        }

        return picked;

        bool Better(Row row, Row held) => Fits(row) != Fits(held) ? Fits(row) : row.Trial < held.Trial;
        bool Fits(Row row) => (row.Outcome == Outcome.Pass) == wantPassed;
    }
}

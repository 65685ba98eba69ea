using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Statistics;
using EvalRunner.Thresholds;

namespace EvalRunner.Comparisons;

/// <summary>
/// Compares a head run with its baseline: reads both runs' rows through <see cref="ResultsStore"/> (streamed, keeping
/// only each row's outcome and the numbers compared), pairs datapoints by id per model config (each with the list of
/// its trials), computes every aggregate in both runs, decides the regression rules (with a paired test for
/// <c>significant</c> ones, Holm-adjusted) and lists flips, new, removed and moved scores.
/// </summary>
internal static partial class ComparisonBuilder
{
    /// <summary>The most datapoints listed per kind of change; counts are whole.</summary>
    public const int MaxListed = 50;

    /// <summary>The most characters kept of each response of a regression.</summary>
    public const int MaxResponseChars = 2000;

    /// <summary>Draws of the paired bootstrap, at least.</summary>
    public const int Resamples = 2000;

    /// <summary>Draws of the paired bootstrap, at most, however many rules are tested together.</summary>
    public const int MaxResamplesCap = 1_000_000;

    /// <summary>The rule decided when a baseline is given and the suite writes no regression rule.</summary>
    public const string DefaultGate = "rate(outcome.passed) >= baseline significant";

    /// <summary>The default gate as a rule.</summary>
    public static Threshold DefaultGateRule { get; } = new()
    {
        Text = DefaultGate,
        Function = AggregateFunction.Rate,
        ColumnName = OutcomeColumns.Passed,
        Operator = ">=",
        Expected = 0.0,
        Baseline = new BaselineTerm { Significant = true },
    };

    private static Threshold PassRate { get; } = new()
    {
        Text = "rate(outcome.passed)",
        Function = AggregateFunction.Rate,
        ColumnName = OutcomeColumns.Passed,
        Operator = ">=",
        Expected = 0.0,
    };

    /// <summary>Compares the runs of <paramref name="request"/>.</summary>
    /// <exception cref="System.Text.Json.JsonException">The baseline's run.json is not a run.</exception>
    public static async Task<Comparison> BuildAsync(ComparisonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (identity, baseRun) = await IdentifyAsync(request, cancellationToken).ConfigureAwait(false);
        var suiteRules = request.Suite?.Thresholds ?? [];
        var regressionRules = suiteRules.Where(t => t.IsRegression).ToList();
        var givenBaseline = request.BaseDirectory is not null || request.BaseNote is not null;
        if (regressionRules.Count == 0 && givenBaseline)
        {
            regressionRules.Add(DefaultGateRule);
        }

        var aggregateRules = suiteRules.Where(t => t.IsAggregate).Prepend(PassRate).DistinctBy(t => t.AggregateText).ToList();
        var ruleColumns = aggregateRules.Select(t => t.ColumnName).Concat(regressionRules.Select(t => t.ColumnName)).Append(OutcomeColumns.Passed).Distinct().ToList();
        var types = new Dictionary<string, ColumnType>(StringComparer.Ordinal);
        var head = Read(HeadRows(request, request.HeadDirectory, request.Head.Results), ruleColumns, types);
        var held = 0;
        var @base = baseRun is null ? [] : Read(BaseRows(request, baseRun.OutputDirectory, baseRun.Results).Select(row => { held++; return row; }), ruleColumns, types);
        if (baseRun is not null && request.BaseModel is null && held < baseRun.Rows)
        {
            // Rows lost after the baseline ran (an empty or cut artifact): compared with what is left, it would pass
            // quietly. Stale: every rule says so and decides nothing against it.
            identity = identity with
            {
                Stale = true,
                StaleReasons = [.. identity.StaleReasons, $"its {baseRun.Results} holds {held} rows, its run.json counts {baseRun.Rows}"],
            };
        }

        ColumnType TypeOf(string column) =>
            column == OutcomeColumns.Passed ? ColumnType.Bool
            : request.Suite?.Columns.TryGetValue(column, out var known) == true ? known.Type
            : types.GetValueOrDefault(column, ColumnType.Float);
        bool SkipsMissing(string column) => request.Suite?.Columns.TryGetValue(column, out var known) == true && known.WhenMissing == MissingValue.Skip;

        var models = request.Head.Models.Select(m => m.Name)
            .Concat(head.Keys.Select(k => k.Model).Order(StringComparer.Ordinal))
            .Concat(@base.Keys.Select(k => k.Model).Order(StringComparer.Ordinal))
            .Distinct().ToList();
        var headModels = models.Where(m => head.Keys.Any(k => k.Model == m) || request.Head.Models.Any(s => s.Name == m)).ToList();

        var aggregates = new List<AggregateDelta>();
        foreach (var rule in aggregateRules)
        {
            foreach (var model in models)
            {
                var b = baseRun is null ? null : Aggregate(rule, Rows(@base, model), TypeOf(rule.ColumnName), SkipsMissing(rule.ColumnName));
                var h = Aggregate(rule, Rows(head, model), TypeOf(rule.ColumnName), SkipsMissing(rule.ColumnName));
                aggregates.Add(new AggregateDelta { Aggregate = rule.AggregateText, ModelConfig = model, Base = b, Head = h, Delta = b is { } x && h is { } y ? y - x : null });
            }
        }

        var changes = Changes(head, @base, baseRun is not null, request.Options.Tolerance, types, request.Suite);
        var rules = DecideRules(request, identity, baseRun is not null, regressionRules, headModels, head, @base, TypeOf, SkipsMissing, changes.New);
        var regressionRows = baseRun is null ? [] : Responses(request, baseRun, changes.RegressionKeys);
        var comparison = new Comparison
        {
            Baseline = identity,
            Gate = string.Empty,
            Regressed = rules.Any(r => r.Decision == RuleDecision.Broken),
            Alpha = request.Options.Alpha,
            Tolerance = request.Options.Tolerance,
            Shared = changes.Shared,
            Regressions = changes.Regressions,
            Fixes = changes.Fixes.Count,
            New = changes.New.Count,
            NewNotPassed = changes.New.Count(n => n.Passed == false),
            NewMustPass = baseRun is not null && regressionRules.Any(r => (r.NewDatapoints ?? request.Options.NewDatapoints) == NewDatapoints.MustPass),
            Removed = changes.Removed.Count,
            Changed = changes.Changed.Count,
            Rules = rules,
            Aggregates = aggregates,
            RegressionRows = regressionRows,
            FixedRows = [.. changes.Fixes.Take(MaxListed)],
            NewRows = [.. changes.New.Take(MaxListed)],
            RemovedRows = [.. changes.Removed.Take(MaxListed)],
            ChangedScores = [.. changes.Changed.Take(MaxListed)],
        };
        return comparison with { Gate = ComparisonText.Gate(comparison, headModels.Count > 1) };
    }

    private static async Task<(BaselineIdentity Identity, RunResult? Run)> IdentifyAsync(ComparisonRequest request, CancellationToken cancellationToken)
    {
        if (request.BaseDirectory is not { } directory)
        {
            return (new BaselineIdentity { Found = false, Note = request.BaseNote ?? "no baseline given (pass --baseline PATH, or set baseline.source in the suite)" }, null);
        }

        RunResult run;
        try
        {
            run = await ResultsStore.ReadRunAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (new BaselineIdentity { Path = directory, Found = false, Note = $"no baseline at {directory} (no run.json)" }, null);
        }

        var artifact = BaselineLocator.ReadArtifact(directory);
        var source = run.Source ?? artifact?.Source;
        DateTimeOffset? date = run.FinishedAt != default ? run.FinishedAt : artifact?.CreatedAt;
        var age = date is { } at ? request.Now - at : (TimeSpan?)null;
        var reasons = new List<string>();
        if (age is { } old && old > request.Options.MaxAge)
        {
            reasons.Add($"it is {ComparisonText.Age(old)} old, older than baseline.max_age ({ComparisonText.Age(request.Options.MaxAge)})");
        }

        IReadOnlyList<string> changed = [];
        if (run.SuiteHash is { } baseHash && request.Head.SuiteHash is { } headHash && baseHash != headHash)
        {
            var before = run.SuiteParts ?? new Dictionary<string, string>();
            var after = request.Head.SuiteParts ?? new Dictionary<string, string>();
            changed = [.. before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).Order(StringComparer.Ordinal)];
            reasons.Add(changed.Count > 0
                ? $"the suite changed since it ran ({string.Join(", ", changed)})"
                : "the suite changed since it ran");
        }

        return (new BaselineIdentity
        {
            Path = directory,
            Found = true,
            Commit = source?.Commit,
            Branch = source?.Branch,
            Date = date,
            AgeHours = age is { } a ? Math.Round(a.TotalHours, 2) : null,
            RunUrl = artifact?.RunUrl,
            Stale = reasons.Count > 0,
            StaleReasons = reasons,
            ChangedFiles = changed,
        }, run);
    }

    /// <summary>The head side's rows: every row, or with two model configs of one run compared, those of <see cref="ComparisonRequest.HeadModel"/>.</summary>
    private static IEnumerable<Row> HeadRows(ComparisonRequest request, string directory, string file) =>
        request.BaseModel is null ? ResultsStore.ReadRows(directory, file) : ResultsStore.ReadRows(directory, file).Where(r => r.ModelConfig == request.HeadModel);

    /// <summary>
    /// The base side's rows: every row, or with two model configs of one run compared, those of
    /// <see cref="ComparisonRequest.BaseModel"/> under the head config's name, so that datapoints pair as across runs.
    /// </summary>
    private static IEnumerable<Row> BaseRows(ComparisonRequest request, string directory, string file) =>
        request.BaseModel is null
            ? ResultsStore.ReadRows(directory, file)
            : ResultsStore.ReadRows(directory, file).Where(r => r.ModelConfig == request.BaseModel).Select(r => r with { ModelConfig = request.HeadModel! });

    private static Dictionary<(string Model, string Id), List<RowFacts>> Read(IEnumerable<Row> read, List<string> ruleColumns, Dictionary<string, ColumnType> types)
    {
        var rows = new Dictionary<(string, string), List<RowFacts>>();
        foreach (var row in read)
        {
            // Not measured (replay without the cache): in no comparison, as in no aggregate.
            if (row.NeedsLiveRun)
            {
                continue;
            }

            var error = row.Outcome == Outcome.Error;
            var values = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (var column in ruleColumns)
            {
                values[column] = error ? null : ColumnValues.ToDouble(row.Value(column));
            }

            foreach (var evaluation in row.Evaluations.Where(e => e.Error is null))
            {
                foreach (var (name, value) in evaluation.Values)
                {
                    var column = $"{evaluation.Evaluator}.{name}";
                    switch (value)
                    {
                        case bool:
                            types.TryAdd(column, ColumnType.Bool);
                            break;
                        case long or int:
                            types.TryAdd(column, ColumnType.Integer);
                            values[column] = error ? null : ColumnValues.ToDouble(value);
                            break;
                        case double or float:
                            types[column] = ColumnType.Float;
                            values[column] = error ? null : ColumnValues.ToDouble(value);
                            break;
                    }
                }
            }

            var key = (row.ModelConfig, row.DatapointId);
            if (!rows.TryGetValue(key, out var trials))
            {
                rows[key] = trials = [];
            }

            trials.Add(new RowFacts { Passed = row.Outcome == Outcome.Pass, Error = error, Values = values });
        }

        return rows;
    }

    private static IEnumerable<RowFacts> Rows(Dictionary<(string Model, string Id), List<RowFacts>> rows, string model) =>
        rows.Where(entry => entry.Key.Model == model).SelectMany(entry => entry.Value);

    /// <summary>
    /// The values of a column over rows as the run's tally reads them (<c>RunTally</c>): error rows count (as no
    /// value), rows that skip a missing value do not, NaN is no value, and the values are folded in a fixed order, so a
    /// run's aggregate here is the one in its run.json whatever order its rows are in.
    /// </summary>
    private static List<double?> Values(IEnumerable<RowFacts> rows, string column, bool skipMissing)
    {
        var values = new List<double?>();
        foreach (var row in rows)
        {
            var value = row.Error ? null : row.Values.GetValueOrDefault(column);
            value = value is double.NaN ? null : value;
            if (value is null && skipMissing && !row.Error)
            {
                continue;
            }

            values.Add(value);
        }

        return ColumnValues.Ordered(values);
    }

    private static double? Aggregate(Threshold rule, IEnumerable<RowFacts> rows, ColumnType type, bool skipMissing)
    {
        var values = Values(rows, rule.ColumnName, skipMissing);
        return values.Count == 0 ? null : rule.Aggregate(values, type);
    }

    private static bool HasMetric(IEnumerable<RowFacts> rows, string column) =>
        column == OutcomeColumns.Passed ? rows.Any() : rows.Any(r => !r.Error && r.Values.GetValueOrDefault(column) is not null);

    private static string Cut(string? text) => MarkdownText.Cut(text ?? string.Empty, MaxResponseChars);
}

using EvalRunner.Evaluators;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Statistics;
using EvalRunner.Suites;
using EvalRunner.Thresholds;

namespace EvalRunner.Runs;

/// <summary>
/// What a run keeps in memory while rows stream to disk: counts per model config, and one number per row for
/// each column an aggregate threshold reads. Rows themselves are not kept.
/// </summary>
internal sealed class RunTally(Suite suite)
{
    private readonly Dictionary<string, ModelTally> _models = suite.Models.ToDictionary(m => m.Name, _ => new ModelTally());

    // The suite's model configs in their order, then the models of supplied logs by name: rows finish in any order,
    // reports and aggregates list them the same way every run.
    private IEnumerable<KeyValuePair<string, ModelTally>> OrderedModels() =>
        suite.Models.Select(m => KeyValuePair.Create(m.Name, _models[m.Name]))
            .Concat(_models.Where(entry => !suite.Models.Any(m => m.Name == entry.Key)).OrderBy(entry => entry.Key, StringComparer.Ordinal));
    private readonly (string Column, bool SkipMissing)[] _aggregateColumns =
        [.. suite.Thresholds.Where(t => t.IsAggregate && !t.IsRegression).Select(t => t.ColumnName).Distinct().Select(c => (c, suite.Columns[c].WhenMissing == MissingValue.Skip))];

    // Datapoint ids are kept only for repeated trials (run.repeat above 1) and an aggregate with an interval: the interval
    // resamples a datapoint's trials together. With one trial an id is unique per model config (datasets reject
    // duplicates), so nothing is kept.
    private readonly bool _keepDatapointIds = suite.Options.Repeat > 1 && suite.Thresholds.Any(t => t.IsAggregate && !t.IsRegression && t.HasInterval);
    // The error row named in the verdict: the least by (datapoint id, model config, trial), not the first to finish, so
    // that the same rows give the same reasons whatever order they came in (a merged sharded run equals a whole one).
    private (string DatapointId, string ModelConfig, int Trial)? _firstErrorKey;
    private TrajectoryCounts _trajectories = new();
    private string? _firstError;

    // A repeated run's trials, per model config and datapoint: a few counters each, never the rows.
    private readonly Dictionary<(string ModelConfig, string DatapointId), TrialCounts>? _trials = suite.Options.Repeat > 1 ? [] : null;

    private sealed class ModelTally
    {
        public int Rows;
        public int Passed;
        public int Failed;
        public int Errors;
        public int Excluded;
        public double LatencyMs;
        public int LatencyRows;
        public long InputTokens;
        public long OutputTokens;
        public double CostUsd;
        public double JudgeCostUsd;
        public int CacheHits;
        public long TokensSaved;

        // One entry per measured row in every column, so that row i is the same row in each; NaN where a column skips
        // the row (missing: skip), null where the row has no value (an error). Eight bytes a row (ColumnValues).
        public readonly Dictionary<string, ColumnValues> Values = [];

        // Datapoint id -> cluster number, in order of first appearance (one entry per datapoint, not per row).
        public readonly Dictionary<string, int> ClusterOf = new(StringComparer.Ordinal);

        // Each measured row's cluster number; null while every row is a new datapoint (row i is then cluster i), so a
        // run with one row per datapoint keeps no number per row.
        public List<int>? RowClusters;
        public int Measured;
    }

    public void Add(Row row)
    {
        if (!_models.TryGetValue(row.ModelConfig, out var model))
        {
            // Supplied responses group by the model their logs name (or "supplied"), after the suite's model configs.
            _models[row.ModelConfig] = model = new ModelTally();
        }

        model.Rows++;
        _trajectories = _trajectories.With(row.Log);
        if (row.Log.LatencyMs is { } latency)
        {
            model.LatencyMs += latency;
            model.LatencyRows++;
        }

        model.InputTokens += row.Log.InputTokens ?? 0;
        model.OutputTokens += row.Log.OutputTokens ?? 0;
        model.CostUsd += row.Log.CostUsd ?? 0;
        model.JudgeCostUsd += Spent.JudgeCost(row);
        if (row.Log.CacheHit)
        {
            model.CacheHits++;
            model.TokensSaved += (row.Log.InputTokens ?? 0) + (row.Log.OutputTokens ?? 0);
        }
        if (_trials is not null)
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_trials, (row.ModelConfig, row.DatapointId), out _).Add(row);
        }

        // Left out on purpose (in replay mode, a call not in the cache): neither a pass nor an error, in no denominator.
        if (row.NeedsLiveRun)
        {
            model.Excluded++;
            return;
        }

        switch (row.Outcome)
        {
            case Outcome.Pass:
                model.Passed++;
                break;
            case Outcome.Fail:
                model.Failed++;
                break;
            default:
                model.Errors++;
                if (_firstErrorKey is not { } key
                    || string.CompareOrdinal(row.DatapointId, key.DatapointId) is var byId && (byId < 0
                        || byId == 0 && (string.CompareOrdinal(row.ModelConfig, key.ModelConfig) is var byModel && (byModel < 0 || byModel == 0 && row.Trial < key.Trial))))
                {
                    _firstErrorKey = (row.DatapointId, row.ModelConfig, row.Trial);
                    _firstError = $"{row.DatapointId} ({row.ModelConfig}): {row.Error?.Message}";
                }
                break;
        }

        if (_aggregateColumns.Length == 0)
        {
            return;
        }

        if (_keepDatapointIds)
        {
            AddToCluster(model, row.DatapointId);
        }

        model.Measured++;
        foreach (var (column, skipMissing) in _aggregateColumns)
        {
            if (!model.Values.TryGetValue(column, out var values))
            {
                model.Values[column] = values = new ColumnValues();
            }

            var value = row.Outcome == Outcome.Error ? null : ColumnValues.ToDouble(row.Value(column));
            value = value is double.NaN ? null : value;
            values.Add(value is null && skipMissing && row.Outcome != Outcome.Error ? double.NaN : value);
        }
    }

    private static void AddToCluster(ModelTally model, string datapointId)
    {
        if (model.ClusterOf.TryAdd(datapointId, model.ClusterOf.Count) && model.RowClusters is null)
        {
            return;
        }

        // The first repeated datapoint: until now row i was cluster i.
        model.RowClusters ??= [.. Enumerable.Range(0, model.Measured)];
        model.RowClusters.Add(model.ClusterOf[datapointId]);
    }

    // The values of one column grouped by datapoint, datapoints in id order (ordinal), each group's values sorted:
    // the same rows give the same clusters whatever order they finished in. Null when each datapoint has one row.
    private static double?[][]? Clusters(ModelTally model, ColumnValues column)
    {
        if (model.RowClusters is not { } rowClusters)
        {
            return null;
        }

        var groups = new List<double?>[model.ClusterOf.Count];
        for (var i = 0; i < column.Count; i++)
        {
            if (column[i] is not double.NaN)
            {
                (groups[rowClusters[i]] ??= []).Add(column[i]);
            }
        }

        return [.. model.ClusterOf.OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Select(entry => groups[entry.Value])
            .Where(group => group is not null)
            .Select(group => group.Order().ToArray())];
    }

    public RunResult Decide(string? stopped, bool cancelled)
    {
        var columns = suite.Columns;
        var aggregates = new List<AggregateResult>();
        foreach (var threshold in suite.Thresholds.Where(t => t.IsAggregate && !t.IsRegression))
        {
            foreach (var (name, model) in OrderedModels())
            {
                // Sorted before folding: a floating-point sum depends on the order of its terms, and rows finish in any
                // order (concurrency, or shards merged by `evalrunner merge`). Sorted, the same rows give the same
                // aggregate bit for bit however they arrived; percentiles sort anyway. Errors (null) come first.
                // Intervals resample clusters sorted by datapoint id, each sorted within: order-independent too.
                var column = model.Values.GetValueOrDefault(threshold.ColumnName) ?? [];
                var values = ColumnValues.Ordered(column.Where(v => v is not double.NaN));
                var estimate = threshold.Estimate(values, columns[threshold.ColumnName].Type, Seeds.Of(threshold.Text, name), threshold.HasInterval ? Clusters(model, column) : null);
                var covered = values.Count(v => v.HasValue);
                var coverage = values.Count == 0 ? 1 : (double)covered / values.Count;
                var problem = coverage < suite.Options.MinCoverage
                    ? $"measured on {covered} of {values.Count} rows, below run.min_coverage {ValueText.Format(suite.Options.MinCoverage)}"
                    : null;
                aggregates.Add(new AggregateResult
                {
                    Rule = threshold.Text,
                    ModelConfig = name,
                    Value = estimate.Value,
                    Lower = estimate.Interval?.Lower,
                    Upper = estimate.Interval?.Upper,
                    Interval = estimate.Method,
                    Passed = threshold.IsSatisfiedBy(threshold.Decided(estimate)) && problem is null,
                    Covered = covered,
                    Of = values.Count,
                    CoverageProblem = problem,
                });
            }
        }

        var rows = _models.Values.Sum(m => m.Rows);
        var passed = _models.Values.Sum(m => m.Passed);
        var failed = _models.Values.Sum(m => m.Failed);
        var errors = _models.Values.Sum(m => m.Errors);
        var excluded = _models.Values.Sum(m => m.Excluded);
        var datapoints = DecideDatapoints();
        var (verdict, reasons) = Verdict(stopped, cancelled, rows - excluded, passed, failed, errors, excluded, aggregates, datapoints);
        return new RunResult
        {
            Suite = suite.Name,
            SuitePath = suite.Path,
            Verdict = verdict,
            Reason = RunResult.Sentences(reasons),
            Reasons = reasons,
            Rows = rows,
            Passed = passed,
            Failed = failed,
            Errors = errors,
            Excluded = excluded,
            Aggregates = aggregates,
            Datapoints = datapoints,
            Trajectories = _trajectories.Rows == 0 ? null : _trajectories,
            CostUsd = Math.Round(_models.Values.Sum(m => m.CostUsd + m.JudgeCostUsd), 6),
            Thresholds = [.. suite.Thresholds.Select(t => t.Text)],
            Models = [.. OrderedModels().Select(entry =>
            {
                var (name, model) = entry;
                var config = suite.Models.FirstOrDefault(m => m.Name == name);
                var (passAtK, passHatK) = PassRates(name);
                return new ModelSummary
                {
                    Name = name,
                    Provider = config?.Provider ?? Datasets.DatapointParser.SuppliedModelConfig,
                    Model = config is null ? (name == Datasets.DatapointParser.SuppliedModelConfig ? null : name) : config.Model,
                    Rows = model.Rows,
                    Passed = model.Passed,
                    Failed = model.Failed,
                    Errors = model.Errors,
                    Excluded = model.Excluded,
                    MeanLatencyMs = model.LatencyRows == 0 ? 0 : Math.Round(model.LatencyMs / model.LatencyRows, 3),
                    InputTokens = model.InputTokens,
                    OutputTokens = model.OutputTokens,
                    CostUsd = Math.Round(model.CostUsd, 6),
                    JudgeCostUsd = Math.Round(model.JudgeCostUsd, 6),
                    CacheHits = model.CacheHits,
                    TokensSaved = model.TokensSaved,
                    PassAtK = passAtK,
                    PassHatK = passHatK,
                };
            })],
        };
    }

    /// <summary>
    /// A repeated run's datapoint × model config pairs decided by the k-of-n rule: passed with at least min_passes
    /// passing trials; else failed when a trial failed, errored when the others only errored. Null for a run of one trial.
    /// </summary>
    private DatapointSummary? DecideDatapoints()
    {
        if (_trials is null)
        {
            return null;
        }

        var required = suite.Options.RequiredPasses;
        int total = 0, passed = 0, failed = 0, errored = 0, flaky = 0;
        var listed = new List<FlakyDatapoint>();
        var order = OrderedModels().Select((entry, index) => (entry.Key, index)).ToDictionary(e => e.Key, e => e.index, StringComparer.Ordinal);
        foreach (var ((modelConfig, id), trials) in _trials.OrderBy(e => order.GetValueOrDefault(e.Key.ModelConfig)).ThenBy(e => e.Key.DatapointId, StringComparer.Ordinal))
        {
            if (trials.Decide(required) is not { } outcome)
            {
                continue;
            }

            total++;
            var met = outcome == Outcome.Pass;
            switch (outcome)
            {
                case Outcome.Pass:
                    passed++;
                    break;
                case Outcome.Fail:
                    failed++;
                    break;
                default:
                    errored++;
                    break;
            }

            if (trials.Flaky)
            {
                flaky++;
                if (listed.Count < DatapointSummary.MaxListed)
                {
                    listed.Add(new FlakyDatapoint { Id = id, ModelConfig = modelConfig, Passed = trials.Passed, Trials = trials.Measured, Met = met });
                }
            }
        }

        return new DatapointSummary
        {
            Repeat = suite.Options.Repeat,
            MinPasses = required,
            Total = total,
            Passed = passed,
            Failed = failed,
            Errored = errored,
            Flaky = flaky,
            FlakyDatapoints = listed,
        };
    }

    /// <summary>pass@k and pass^k of a model config with k = run.repeat, averaged over its measured datapoints; nulls for a run of one trial.</summary>
    private (double? PassAtK, double? PassHatK) PassRates(string modelConfig)
    {
        if (_trials is null)
        {
            return (null, null);
        }

        double at = 0, hat = 0;
        var count = 0;
        foreach (var ((model, _), trials) in _trials)
        {
            if (model != modelConfig || trials.Measured == 0)
            {
                continue;
            }

            // A datapoint with fewer measured trials than k (some need a live run) is estimated with the trials it has.
            var k = Math.Min(suite.Options.Repeat, trials.Measured);
            at += Statistics.PassAtK.PassAt(trials.Measured, trials.Passed, k);
            hat += Statistics.PassAtK.PassHat(trials.Measured, trials.Passed, k);
            count++;
        }

        return count == 0 ? (null, null) : (Math.Round(at / count, 6), Math.Round(hat / count, 6));
    }

    private (Verdict, List<VerdictReason>) Verdict(string? stopped, bool cancelled, int rows, int passed, int failed, int errors, int excluded, List<AggregateResult> aggregates, DatapointSummary? datapoints)
    {
        if (cancelled)
        {
            return (Results.Verdict.Cancelled, [Reason(VerdictReasonKind.Cancelled, $"cancelled after {rows} rows; the finished rows are kept")]);
        }

        if (stopped is not null)
        {
            return (Results.Verdict.Error, [Reason(VerdictReasonKind.Stopped, $"stopped after {rows} rows: {stopped}")]);
        }

        var unit = suite.Models.Count == 1 ? "datapoints" : "rows";
        if (rows == 0 && excluded > 0)
        {
            return (Results.Verdict.Error, [Reason(VerdictReasonKind.NothingMeasured, $"nothing was measured: all {excluded} {unit} need a live run (their calls are not in the response cache)")]);
        }

        if (rows == 0)
        {
            return (Results.Verdict.Error, [Reason(VerdictReasonKind.NothingMeasured, $"no datapoints ran (the dataset {suite.DatasetPath ?? $"in {suite.Path}"} is empty or the filter matched nothing); a run that measures nothing never passes")]);
        }

        // Said with every verdict below: the verdict is decided on what was measured, and this is how much was not.
        List<VerdictReason> unmeasured = excluded > 0
            ? [Reason(VerdictReasonKind.NeedsLiveRun, $"{excluded} of {rows + excluded} {unit} need a live run (their calls are not in the response cache); the verdict is decided on the {rows} measured")]
            : [];
        if (errors == rows)
        {
            return (Results.Verdict.Error, [Reason(VerdictReasonKind.NothingMeasured, $"nothing was measured: all {rows} rows errored; first error: {_firstError}"), .. unmeasured]);
        }

        var reasons = new List<VerdictReason>();
        var failedAggregates = aggregates.Where(a => !a.Passed).ToList();
        if (failedAggregates.Count > 0)
        {
            reasons.Add(Reason(VerdictReasonKind.AggregateFailed, $"{failedAggregates.Count} aggregate threshold(s) failed: " + string.Join("; ", failedAggregates.Select(a =>
                $"{a.Rule} [{a.ModelConfig}] {Saw(a)}" + (a.CoverageProblem is { } problem ? $", {problem}" : string.Empty)))));
        }

        if (datapoints is not null)
        {
            // Trials decide datapoints: a datapoint fails when fewer than min_passes of its trials passed, not at its first failing trial.
            var pairs = suite.Models.Count > 1 ? "datapoint × model config pairs" : "datapoints";
            var rule = $"fewer than min_passes {datapoints.MinPasses} of {datapoints.Repeat} trials passed";
            var flakyNote = datapoints.Flaky > 0 ? $"; {datapoints.Flaky} flaky (some trials passed, some did not)" : string.Empty;
            if (datapoints.Failed > 0)
            {
                reasons.Add(Reason(VerdictReasonKind.RowsFailed, $"{datapoints.Failed} of {datapoints.Total} {pairs} failed ({rule}){flakyNote}"));
            }

            if (datapoints.Errored > 0 && suite.Options.FailOnError)
            {
                reasons.Add(Reason(VerdictReasonKind.RowsErrored, $"{datapoints.Errored} of {datapoints.Total} {pairs} errored ({rule}, the others errored; first: {_firstError}); set run.fail_on_error: false to decide by thresholds alone"));
            }

            if (reasons.Count > 0)
            {
                return (Results.Verdict.Fail, [.. reasons, .. unmeasured]);
            }

            var held = aggregates.Count > 0 ? $" and all {aggregates.Count} aggregate checks held" : string.Empty;
            var errorNote = datapoints.Errored > 0 ? $"; {datapoints.Errored} errored, allowed by run.fail_on_error: false" : string.Empty;
            return Passed($"{datapoints.Passed} of {datapoints.Total} {pairs} passed (at least {datapoints.MinPasses} of {datapoints.Repeat} trials each){held}{errorNote}{flakyNote}", rows, excluded, unit, unmeasured);
        }

        if (failed > 0)
        {
            reasons.Add(Reason(VerdictReasonKind.RowsFailed, $"{failed} of {rows} rows failed a per-datapoint threshold"));
        }

        if (errors > 0 && suite.Options.FailOnError)
        {
            reasons.Add(Reason(VerdictReasonKind.RowsErrored, $"{errors} of {rows} rows errored (first: {_firstError}); set run.fail_on_error: false to decide by thresholds alone"));
        }

        if (reasons.Count > 0)
        {
            return (Results.Verdict.Fail, [.. reasons, .. unmeasured]);
        }

        var checks = aggregates.Count > 0 ? $" and all {aggregates.Count} aggregate checks held" : string.Empty;
        return Passed(
            errors == 0 ? $"all {rows} rows passed{checks}" : $"{passed} of {rows} rows passed{checks}; {errors} rows errored, allowed by run.fail_on_error: false",
            rows,
            excluded,
            unit,
            unmeasured);
    }

    /// <summary>
    /// A run in which nothing measured failed: a pass, unless replay mode left more rows unmeasured than
    /// <c>run.min_measured</c> allows; then it is not decided (exit 0, never a pass), and says how much was measured.
    /// </summary>
    private (Verdict, List<VerdictReason>) Passed(string passed, int measured, int excluded, string unit, List<VerdictReason> unmeasured)
    {
        var total = measured + excluded;
        if (excluded == 0 || (double)measured / total >= suite.Options.MinMeasured)
        {
            return (Results.Verdict.Pass, [Reason(VerdictReasonKind.Passed, passed), .. unmeasured]);
        }

        return (Results.Verdict.Unmeasured, [Reason(
            VerdictReasonKind.Unmeasured,
            $"not decided: {measured} of {total} measured, below run.min_measured {ValueText.Format(suite.Options.MinMeasured)}; {excluded} {unit} need a live run "
            + $"(their calls are not in the response cache) to decide the suite; on the {measured} measured, {passed}")]);
    }

    // What a failed aggregate rule saw: its value, or for lower()/upper() the bound and the interval it came from.
    private string Saw(AggregateResult aggregate)
    {
        if (aggregate.Value is not { } value)
        {
            return "was not computable (no values)";
        }

        if (suite.Thresholds.First(t => t.Text == aggregate.Rule).Bound is not { } bound)
        {
            return $"was {ValueText.Format(value)}";
        }

        var end = bound.ToString().ToLowerInvariant();
        return (bound == IntervalBound.Lower ? aggregate.Lower : aggregate.Upper) is { } limit
            ? $"had {end} bound {ValueText.Format(limit)} (value {ValueText.WithInterval(aggregate.Value, aggregate.Lower, aggregate.Upper)}, {aggregate.Interval} interval)"
            : $"has no {end} bound: a confidence interval needs at least 2 measured values ({aggregate.Covered} measured)";
    }

    private static VerdictReason Reason(VerdictReasonKind kind, string message) => new() { Kind = kind, Message = message };
}

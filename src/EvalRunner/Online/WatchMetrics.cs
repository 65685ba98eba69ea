using System.Diagnostics.Metrics;
using EvalRunner.Results;
using EvalRunner.Thresholds;

namespace EvalRunner.Online;

/// <summary>
/// The watcher's metrics, published on the meter <c>EvalRunner.Watch</c> for whatever listens (the command line's
/// OpenTelemetry SDK, a Prometheus scrape). Counters count what this process evaluated since it started; rows read back
/// at a start are in the rule gauges (they are in the window) but not in the counters. Nothing here reads the window: a
/// scrape reads the last recorded values.
/// </summary>
internal sealed class WatchMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "EvalRunner.Watch";

    public const string SuiteKey = "evalrunner.suite";
    public const string ModelConfigKey = "evalrunner.model_config";
    public const string RuleKey = "evalrunner.rule";
    public const string ColumnKey = "evalrunner.column";
    public const string OutcomeKey = "evalrunner.outcome";
    public const string StateKey = "evalrunner.state";

    /// <summary>The states of <c>evalrunner.watch.rule.state</c>: 1 for the rule's current one, 0 for the others.</summary>
    public static readonly IReadOnlyList<string> States = ["ok", "breached", "not_enough_logs"];

    private readonly string _suite;
    private readonly Counter<long> _logs;
    private readonly Counter<long> _columnRows;
    private readonly Counter<long> _columnTrue;
    private readonly Gauge<double> _value;
    private readonly Gauge<double> _lower;
    private readonly Gauge<double> _upper;
    private readonly Gauge<long> _state;
    private readonly Histogram<double> _duration;
    // Seconds from the last written row's log arriving to its row being written; NaN before the first row.
    private double _lag = double.NaN;

    public WatchMetrics(string suite, Func<long> queueDepth)
    {
        _suite = suite;
        Meter = new Meter(MeterName);
        _logs = Meter.CreateCounter<long>("evalrunner.watch.logs", "{log}", "Logs evaluated by this watcher since it started, by outcome");
        _columnRows = Meter.CreateCounter<long>("evalrunner.watch.column.rows", "{row}", "Rows that a rate or mean rule on the bool column counts in its window's denominator");
        _columnTrue = Meter.CreateCounter<long>("evalrunner.watch.column.true", "{row}", "Of those rows, the ones whose value is true");
        _value = Meter.CreateGauge<double>("evalrunner.watch.rule.value", unit: null, "The aggregate of the rule over its rolling window");
        _lower = Meter.CreateGauge<double>("evalrunner.watch.rule.lower", unit: null, "The lower end of the aggregate's 95% confidence interval");
        _upper = Meter.CreateGauge<double>("evalrunner.watch.rule.upper", unit: null, "The upper end of the aggregate's 95% confidence interval");
        _state = Meter.CreateGauge<long>("evalrunner.watch.rule.state", unit: null, "1 for the rule's current state (ok, breached, not_enough_logs), 0 for the others");
        _duration = Meter.CreateHistogram(
            "evalrunner.watch.evaluation.duration",
            "s",
            "From the start of a log's evaluation to its row written",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Meter.CreateObservableGauge(
            "evalrunner.watch.lag",
            () => double.IsNaN(Volatile.Read(ref _lag)) ? [] : new[] { new Measurement<double>(Volatile.Read(ref _lag), Suite) },
            "s",
            "From the last written row's log arriving at the watcher to its row written");
        Meter.CreateObservableGauge(
            "evalrunner.watch.queue.depth",
            () => new Measurement<long>(queueDepth(), Suite),
            "{log}",
            "Logs waiting in the queue for an evaluator");
    }

    /// <summary>The meter all the instruments are on.</summary>
    public Meter Meter { get; }

    private KeyValuePair<string, object?> Suite => new(SuiteKey, _suite);

    /// <summary>A row this process evaluated was written: its outcome, how long it took and how long its log waited in all.</summary>
    public void Written(Row row, TimeSpan evaluation, TimeSpan sinceArrival)
    {
        _logs.Add(1, Suite, new(ModelConfigKey, row.ModelConfig), new(OutcomeKey, OutcomeName(row.Outcome)));
        _duration.Record(evaluation.TotalSeconds, Suite, new(ModelConfigKey, row.ModelConfig));
        Volatile.Write(ref _lag, sinceArrival.TotalSeconds);
    }

    /// <summary>A row this process evaluated was counted in the window of a rate or mean rule on a bool column.</summary>
    public void Counted(string modelConfig, string column, bool isTrue)
    {
        _columnRows.Add(1, Suite, new(ModelConfigKey, modelConfig), new(ColumnKey, column));
        if (isTrue)
        {
            _columnTrue.Add(1, Suite, new(ModelConfigKey, modelConfig), new(ColumnKey, column));
        }
        else
        {
            // The series exists from the first row, so that a rate over it is 0 rather than missing.
            _columnTrue.Add(0, Suite, new(ModelConfigKey, modelConfig), new(ColumnKey, column));
        }
    }

    /// <summary>A rule was decided over its window: its value, interval and state (ok, breached or not_enough_logs).</summary>
    public void Decided(string modelConfig, string rule, AggregateEstimate? estimate, string state)
    {
        KeyValuePair<string, object?> config = new(ModelConfigKey, modelConfig);
        KeyValuePair<string, object?> text = new(RuleKey, rule);
        if (estimate?.Value is { } value)
        {
            _value.Record(value, Suite, config, text);
        }

        if (estimate?.Interval is { } interval)
        {
            _lower.Record(interval.Lower, Suite, config, text);
            _upper.Record(interval.Upper, Suite, config, text);
        }

        foreach (var each in States)
        {
            _state.Record(each == state ? 1 : 0, Suite, config, text, new(StateKey, each));
        }
    }

    public void Dispose() => Meter.Dispose();

    /// <summary>The outcome as the <c>evalrunner.outcome</c> attribute says it.</summary>
    public static string OutcomeName(Outcome outcome) => outcome switch
    {
        Outcome.Pass => "pass",
        Outcome.Fail => "fail",
        _ => "error",
    };

    // From 5 ms (a cached or heuristic evaluator) to 2 minutes (a slow judge after retries).
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
}

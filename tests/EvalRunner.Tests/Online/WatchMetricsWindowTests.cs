using System.Diagnostics.Metrics;
using EvalRunner.Statistics;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>The watcher's meter in process: what the counters count and what the rule gauges say, against the rolling window.</summary>
public sealed class WatchMetricsWindowTests
{
    private const string Rule = "rate(contains.passed) >= 0.75";

    [Fact(Timeout = 60000)]
    public async Task Counters_count_every_row_this_process_evaluated_while_the_rule_gauges_follow_the_rolling_window_also_after_a_restart()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        // A suite name of this test only: other tests' watchers publish on the same meter name in this process.
        var suitePath = dir.File("prod.eval.yaml", $"name: windowmetrics\nevaluators: [{{type: contains, value: refund}}]\nthresholds: ['{Rule}']\nrun: {{concurrency: 1}}\nonline: {{window: 4, min_logs: 2}}\n");
        var output = Path.Combine(dir.Path, "out");
        using var first = new Measurements("windowmetrics");
        await using (var watch = await InProcessWatch.StartAsync(suitePath, output, null, token))
        {
            // Four passing logs, then two failing ones: the window of 4 holds 2 of each at the end.
            Assert.True(await watch.Monitor.TryAcceptAsync([.. Enumerable.Range(0, 4).Select(i => WatchTests.PushedLog($"p{i}", true)), WatchTests.PushedLog("f0", false), WatchTests.PushedLog("f1", false)], token));
            await watch.UntilAsync(() => watch.Monitor.Evaluated == 6 && first.Last("evalrunner.watch.rule.value", Rule) is not null, token);
        }

        Assert.Equal(6, first.Sum("evalrunner.watch.column.rows", "contains.passed"));
        Assert.Equal(4, first.Sum("evalrunner.watch.column.true", "contains.passed"));
        Assert.Equal(6, first.Sum("evalrunner.watch.logs", null));
        Assert.Equal(0.5, first.Last("evalrunner.watch.rule.value", Rule));
        var wilson = Intervals.Wilson(2, 4)!;
        Assert.Equal(wilson.Lower, first.Last("evalrunner.watch.rule.lower", Rule)!.Value, 12);
        Assert.Equal(wilson.Upper, first.Last("evalrunner.watch.rule.upper", Rule)!.Value, 12);
        Assert.Equal(1, first.LastState(Rule, "breached"));
        Assert.Equal(0, first.LastState(Rule, "ok"));
        Assert.Equal(0, first.LastState(Rule, "not_enough_logs"));

        // A restart reads the six rows back: the gauges say the same window, the counters count nothing.
        using var second = new Measurements("windowmetrics");
        await using (await InProcessWatch.StartAsync(suitePath, output, null, token))
        {
            Assert.Equal(0.5, second.Last("evalrunner.watch.rule.value", Rule));
            Assert.Equal(1, second.LastState(Rule, "breached"));
            Assert.Equal(0, second.Sum("evalrunner.watch.column.rows", "contains.passed"));
            Assert.Equal(0, second.Sum("evalrunner.watch.logs", null));
        }
    }

    [Fact(Timeout = 60000)]
    public async Task A_rule_says_not_enough_logs_until_its_window_holds_min_logs()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", $"name: fewmetrics\nevaluators: [{{type: contains, value: refund}}]\nthresholds: ['{Rule}']\nrun: {{concurrency: 1}}\nonline: {{min_logs: 3}}\n");
        using var measured = new Measurements("fewmetrics");
        await using var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out"), null, token);
        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("p0", true), WatchTests.PushedLog("p1", true)], token));
        await watch.UntilAsync(() => watch.Monitor.Evaluated == 2 && measured.LastState(Rule, "not_enough_logs") == 1, token);
        Assert.Equal(0, measured.LastState(Rule, "ok"));
        Assert.Equal(0, measured.LastState(Rule, "breached"));
        Assert.Null(measured.Last("evalrunner.watch.rule.value", Rule));

        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("p2", true)], token));
        await watch.UntilAsync(() => measured.LastState(Rule, "ok") == 1, token);
        Assert.Equal(0, measured.LastState(Rule, "not_enough_logs"));
        Assert.Equal(1, measured.Last("evalrunner.watch.rule.value", Rule));
    }

    /// <summary>What the meter <c>EvalRunner.Watch</c> records for one suite, as a listener of its own sees it.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _suite;
        private readonly List<(string Instrument, Dictionary<string, string> Tags, double Value)> _all = [];

        public Measurements(string suite)
        {
            _suite = suite;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "EvalRunner.Watch")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        /// <summary>The sum of a counter's measurements, of one column (or all).</summary>
        public double Sum(string instrument, string? column)
        {
            lock (_all)
            {
                return _all.Where(m => m.Instrument == instrument && (column is null || m.Tags.GetValueOrDefault("evalrunner.column") == column)).Sum(m => m.Value);
            }
        }

        /// <summary>A gauge's last value for the rule; null when none was recorded.</summary>
        public double? Last(string instrument, string rule)
        {
            lock (_all)
            {
                return _all.LastOrDefault(m => m.Instrument == instrument && m.Tags.GetValueOrDefault("evalrunner.rule") == rule) is { Instrument: not null } last ? last.Value : null;
            }
        }

        public double? LastState(string rule, string state)
        {
            lock (_all)
            {
                return _all.LastOrDefault(m => m.Instrument == "evalrunner.watch.rule.state" && m.Tags.GetValueOrDefault("evalrunner.rule") == rule && m.Tags.GetValueOrDefault("evalrunner.state") == state) is { Instrument: not null } last ? last.Value : null;
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = new Dictionary<string, string>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value?.ToString() ?? string.Empty;
            }

            if (map.GetValueOrDefault("evalrunner.suite") != _suite)
            {
                return;
            }

            lock (_all)
            {
                _all.Add((instrument.Name, map, value));
            }
        }
    }
}

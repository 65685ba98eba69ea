using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Statistics;
using EvalRunner.Suites;
using EvalRunner.Thresholds;

namespace EvalRunner.Online;

/// <summary>
/// Online evaluation of one suite: logs go into a bounded queue, are evaluated through the run session at the suite's
/// concurrency (each row written to the results store before it counts), and the suite's aggregate thresholds are
/// decided continuously over a rolling window, with an alert when a rule starts to fail and when it passes again.
/// </summary>
internal sealed class OnlineMonitor : ILogIntake, IDisposable
{
    private readonly RunSession _session;
    private readonly Suite _suite;
    private readonly OnlineOptions _options;
    private readonly Settings _settings;
    private readonly TimeProvider _time;
    private readonly Action<string> _say;
    // Each log with when it arrived (the clock's timestamp), for the lag of its row.
    private readonly Channel<(IncomingLog Log, FollowedFile? File, long Offset, long Arrived)> _queue;
    private readonly HashSet<string> _done;
    private readonly Lock _lock = new();
    // One rolling window per model config, as offline aggregates are decided per model config.
    // A row's time is its log's timestamp, else when it was evaluated: a window of a duration holds the rows of that
    // duration before its newest row, so rows read back after a restart keep their own time.
    private readonly Dictionary<string, List<(DateTimeOffset At, Dictionary<string, double?> Values)>> _windows = [];
    private readonly Dictionary<(string ModelConfig, string Rule), bool> _breached = [];
    // When each rule last changed state, by the watcher's clock: the next change waits out the cooldown.
    private readonly Dictionary<(string ModelConfig, string Rule), DateTimeOffset> _changed = [];
    // Alerts are delivered (console, file, webhook with retries) by one task apart from evaluation, in order.
    private readonly Channel<WatchAlert> _alerts = Channel.CreateUnbounded<WatchAlert>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Threshold> _aggregates;
    // The bool columns that a rate or mean rule reads: their rows and trues are counted for the metrics.
    private readonly HashSet<string> _countedColumns;
    private readonly WatchMetrics _metrics;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly LogInbox _inbox;
    private readonly SemaphoreSlim _accepting = new(1, 1);
    // Pushed logs in the inbox whose rows are not written yet: the inbox keeps only these when it is compacted.
    private readonly HashSet<string> _unfinished = new(StringComparer.Ordinal);
    private LogFollower? _follower;
    private long _evaluated;
    private long _skipped;
    private long _malformed;
    private long _otherShards;
    private int _inFlight;
    // The share of the followed files' logs this watcher evaluates (watch --shard I/N); null for all.
    private readonly Shard? _shard;

    private OnlineMonitor(RunSession session, Settings settings, TimeProvider time, Action<string> say, HashSet<string> done, int queueCapacity, Shard? shard)
    {
        _shard = shard;
        _capacity = queueCapacity;
        _session = session;
        _suite = session.Suite;
        _options = _suite.Online ?? new OnlineOptions();
        _settings = settings;
        _time = time;
        _say = say;
        _done = done;
        _aggregates = [.. _suite.Thresholds.Where(t => t.IsAggregate && !t.IsRegression)];
        _countedColumns = [.. _aggregates.Where(t => t.Function is AggregateFunction.Rate or AggregateFunction.Mean && _suite.Columns[t.ColumnName].Type == ColumnType.Bool).Select(t => t.ColumnName)];
        _queue = Channel.CreateBounded<(IncomingLog, FollowedFile?, long, long)>(new BoundedChannelOptions(queueCapacity) { SingleWriter = false });
        _metrics = new WatchMetrics(_suite.Name, () => _queue.Reader.Count);
        _inbox = new LogInbox(session.OutputDirectory, settings);
    }

    /// <summary>Logs that may wait for an evaluator, unless the watcher is given another bound.</summary>
    public const int DefaultQueueCapacity = 1000;

    private readonly int _capacity;

    /// <inheritdoc />
    public int Capacity => _capacity;

    /// <inheritdoc />
    public string? StateDirectory => _session.OutputDirectory;

    public long Evaluated => Interlocked.Read(ref _evaluated);

    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Logs of the followed files left to the watchers of other shards.</summary>
    public long OtherShards => Interlocked.Read(ref _otherShards);

    /// <summary>Logs waiting in the queue.</summary>
    public int QueueDepth => _queue.Reader.Count;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Bytes of followed files not read yet.</summary>
    public long UnreadBytes => _follower?.UnreadBytes ?? 0;

    /// <summary>
    /// Starts the results store in <paramref name="directory"/>, keeping its earlier rows: their log ids are never
    /// evaluated again. With a <paramref name="shard"/>, only the followed files' logs whose trace id (else id) hashes
    /// to it are evaluated, as <c>run --shard</c> splits datapoints; pushed logs are all taken, and run.json records the shard.
    /// <paramref name="rowWritten"/> is handed each new row once it is written (the export of evaluation results), not
    /// the earlier rows.
    /// </summary>
    public static async Task<OnlineMonitor> StartAsync(RunEngine engine, Suite suite, string directory, Action<string> say, CancellationToken cancellationToken, int queueCapacity = DefaultQueueCapacity, Shard? shard = null, Action<Row>? rowWritten = null)
    {
        var (rows, _) = ResultsStore.ReadRowsToResume(directory);
        var done = rows.Select(r => r.DatapointId).ToHashSet(StringComparer.Ordinal);
        var request = new RunRequest { OutputDirectory = directory, Resume = true, ResumeAnyway = true, KeepErrorRows = true, Shard = shard, RowWritten = rowWritten };
        var session = await engine.StartAsync(suite, request, cancellationToken).ConfigureAwait(false);
        var monitor = new OnlineMonitor(session, engine.Settings, engine.Time, say, done, queueCapacity, shard);
        foreach (var row in rows)
        {
            monitor.AddToWindow(row, announce: false);
        }

        return monitor;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A batch is written to the inbox (<see cref="LogInbox"/>) and flushed before it is taken, so an acknowledged log is
    /// evaluated even when the watcher is killed before its row is written. Logs outside the sample and logs that already
    /// have a row are acknowledged without an evaluation.
    /// </remarks>
    public async ValueTask<IntakeResult> AcceptAsync(IReadOnlyList<IncomingLog> logs, CancellationToken cancellationToken)
    {
        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<IncomingLog> taken;
            lock (_lock)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var now = _time.GetUtcNow();
                taken = [.. logs.Where(l => !_done.Contains(l.Id) && seen.Add(l.Id) && Sampling.Sampled(l.Id, _options.Sample)).Select(l => WithCost(l) with { ArrivedAt = l.ArrivedAt ?? now })];
            }

            if (taken.Count > _capacity)
            {
                return IntakeResult.TooMany;
            }

            if (_capacity - _queue.Reader.Count < taken.Count)
            {
                return IntakeResult.Full;
            }

            _inbox.Append(taken);
            Interlocked.Add(ref _skipped, logs.Count - taken.Count);
            lock (_lock)
            {
                taken.ForEach(l => _done.Add(l.Id));
                taken.ForEach(l => _unfinished.Add(l.Id));
            }

            try
            {
                foreach (var log in taken)
                {
                    await _queue.Writer.WriteAsync((log, null, 0, _time.GetTimestamp()), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
            {
                // The watcher is stopping: the logs are in the inbox, and the next start evaluates them.
            }

            return IntakeResult.Stored;
        }
        finally
        {
            _accepting.Release();
        }
    }

    /// <inheritdoc />
    public string Redact(string text) => _settings.Redact(text);

    /// <summary>Takes <paramref name="logs"/> as <see cref="AcceptAsync"/> does: true once they are stored.</summary>
    public async ValueTask<bool> TryAcceptAsync(IReadOnlyList<IncomingLog> logs, CancellationToken cancellationToken) =>
        await AcceptAsync(logs, cancellationToken).ConfigureAwait(false) == IntakeResult.Stored;

    /// <summary>
    /// Follows <paramref name="glob"/> and evaluates every new log until <paramref name="cancellationToken"/> fires; then
    /// stops reading, lets evaluations in flight finish or drop (a dropped one has no row and is read again next time),
    /// writes the checkpoint and completes the run (<c>run.json</c>).
    /// </summary>
    /// <param name="glob">The log files to follow; null when logs only arrive pushed (<see cref="AcceptAsync"/>).</param>
    /// <param name="pollInterval">How often the files are read for new lines.</param>
    /// <param name="cancellationToken">Stops the watch.</param>
    public async Task<RunResult> WatchAsync(string? glob, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var directory = _session.OutputDirectory;
        using var follower = _follower = glob is null ? null : new LogFollower(glob, WatchCheckpoint.Read(directory), _time, _options.RotatedIdle, _say);
        var workers = Enumerable.Range(0, _suite.Options.Concurrency).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)).ToList();
        var delivering = Task.Run(() => DeliverAsync(cancellationToken), CancellationToken.None);
        var source = _suite.Sources.FirstOrDefault(s => s.Path is not null);
        var lastStatus = _time.GetUtcNow();
        long lastEvaluated = 0;
        try
        {
            // Logs pushed and acknowledged before a restart, whose rows were never written. Logs pushed meanwhile wait:
            // the inbox is read and rewritten once, and a log is not taken twice.
            await _accepting.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                HashSet<string> done;
                lock (_lock)
                {
                    done = [.. _done];
                }

                foreach (var pending in await _inbox.PendingAsync(done, CancellationToken.None).ConfigureAwait(false))
                {
                    lock (_lock)
                    {
                        _done.Add(pending.Id);
                        _unfinished.Add(pending.Id);
                    }

                    await _queue.Writer.WriteAsync((pending with { ArrivedAt = _time.GetUtcNow() }, null, 0, _time.GetTimestamp()), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _accepting.Release();
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var line in follower?.Poll() ?? [])
                {
                    await AcceptLineAsync(line, source, cancellationToken).ConfigureAwait(false);
                }

                if (follower is not null)
                {
                    await WatchCheckpoint.WriteAsync(directory, follower.Marks(), CancellationToken.None).ConfigureAwait(false);
                }

                await CompactInboxAsync(cancellationToken).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                if (now - lastStatus >= StatusInterval)
                {
                    var evaluated = Evaluated;
                    var rate = (evaluated - lastEvaluated) / (now - lastStatus).TotalSeconds;
                    var shard = _shard is null ? string.Empty : $"; {OtherShards} left to the other shards (this is shard {_shard})";
                    _say($"watch: {evaluated} logs evaluated ({rate:0.#}/s); lag: {QueueDepth + InFlight} logs waiting ({QueueDepth} queued, {InFlight} in flight) and {UnreadBytes} bytes not read yet; {Malformed} malformed{shard}");
                    (lastStatus, lastEvaluated) = (now, evaluated);
                }

                await Task.Delay(pollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the checkpoint below keeps the place.
        }

        _queue.Writer.TryComplete();
        await Task.WhenAll(workers).ConfigureAwait(false);
        _alerts.Writer.TryComplete();
        await delivering.ConfigureAwait(false);
        if (follower is not null)
        {
            await WatchCheckpoint.WriteAsync(directory, follower.Marks(), CancellationToken.None).ConfigureAwait(false);
        }

        return await _session.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _accepting.Dispose();
        _metrics.Dispose();
        _follower?.Dispose();
    }

    /// <summary>How often the console gets a status line.</summary>
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(5);

    private async Task AcceptLineAsync(LogLine line, DatasetSource? source, CancellationToken cancellationToken)
    {
        var location = new SourceLocation(line.File.Path, line.Line);
        // Another shard's line is left before its log is parsed, by its trace id and id alone; a dataset mapping that
        // reshapes logs (a format, fields) may move them, so then the whole log is parsed first.
        var quick = _shard is not null && (source is null || (source.Format != DatasetFormat.OpenAIChat && source.Fields is null));
        if (quick && !_shard!.Contains(LogShardKey.Of(line)))
        {
            Interlocked.Increment(ref _otherShards);
            return;
        }

        Datapoint datapoint;
        try
        {
            if (line.Text.Length == 0)
            {
                throw new DatasetException(location, "the line is longer than 1 MiB; skipped");
            }

            using var document = JsonDocument.Parse(line.Text);
            // A lone surrogate escape ("\ud800") is valid JSON but no text: found here, with its field, before a reader trips on it.
            JsonStrings.Check(document.RootElement, location);
            datapoint = Dataset.ParseRow(document.RootElement, location, source);
            if (datapoint.SuppliedLog is null)
            {
                throw new DatasetException(location.WithField("generated_response"), "a log needs the response it answers with (generated_response, or the field mapped to it)");
            }
        }
        catch (Exception ex) when (ex is DatasetException or JsonException)
        {
            if (_shard is { } lineShard && !quick && !lineShard.Contains(line.File.IdAt(line.Offset)))
            {
                // A malformed line has no id: the watcher of the shard its place hashes to reports it, once.
                return;
            }

            Interlocked.Increment(ref _malformed);
            var message = ex is DatasetException ? ex.Message : $"{location}: not valid JSON ({ex.Message})";
            _say(_settings.Redact($"skipped: {message}"));
            return;
        }

        // A log's id is its own id when it has one, else its file and position: never its content, so identical logs
        // without ids stay distinct.
        var id = datapoint.Id != DatapointParser.DeriveId(datapoint) ? datapoint.Id : line.File.IdAt(line.Offset);
        var incoming = new IncomingLog { Id = id, Datapoint = datapoint with { Id = id }, Log = datapoint.SuppliedLog, ArrivedAt = _time.GetUtcNow() };
        if (_shard is { } shard && !quick && !shard.Contains(incoming.ShardKey))
        {
            // Another watcher's log: not queued and never pending, so the checkpoint moves past it.
            Interlocked.Increment(ref _otherShards);
            return;
        }

        bool taken;
        lock (_lock)
        {
            // Taken once: a later line with the same id, before or after this one is evaluated, is not evaluated again.
            taken = Sampling.Sampled(id, _options.Sample) && _done.Add(id);
        }

        if (!taken)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        lock (_follower!.Sync)
        {
            line.File.Pending(line.Offset, line.Line);
        }

        await _queue.Writer.WriteAsync((WithCost(incoming), line.File, line.Offset, _time.GetTimestamp()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The log with its cost from the suite's prices when it says none, wherever it came from.</summary>
    private IncomingLog WithCost(IncomingLog incoming) =>
        incoming.Log is { CostUsd: null, Model: { } model } log
            ? incoming with { Log = log with { CostUsd = _suite.Prices.Cost(model, log.InputTokens, log.OutputTokens) } }
            : incoming;

    /// <summary>
    /// Rewrites the inbox with only the pushed logs that have no row yet: when every one has its row, or when it holds
    /// ten queues' worth of lines, so it stays bounded while the watch runs.
    /// </summary>
    private async Task CompactInboxAsync(CancellationToken cancellationToken)
    {
        int unfinished;
        lock (_lock)
        {
            unfinished = _unfinished.Count;
        }

        if (_inbox.Written == 0 || (unfinished > 0 && _inbox.Written < 10L * _capacity))
        {
            return;
        }

        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            HashSet<string> keep;
            lock (_lock)
            {
                keep = [.. _unfinished];
            }

            await _inbox.KeepOnlyAsync(keep, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _accepting.Release();
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var (log, file, offset, arrived) in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Not evaluated: the checkpoint still points before it.
                continue;
            }

            Interlocked.Increment(ref _inFlight);
            try
            {
                var started = _time.GetTimestamp();
                var row = await _session.EvaluateWatchedAsync(log.Datapoint, log.Log, log.ArrivedAt, cancellationToken).ConfigureAwait(false);
                _metrics.Written(row, _time.GetElapsedTime(started), _time.GetElapsedTime(arrived));
                lock (_lock)
                {
                    _done.Add(log.Id);
                    _unfinished.Remove(log.Id);
                }

                if (file is not null)
                {
                    lock (_follower!.Sync)
                    {
                        file.Done(offset);
                    }
                }

                Interlocked.Increment(ref _evaluated);
                foreach (var alert in AddToWindow(row, announce: true))
                {
                    _alerts.Writer.TryWrite(alert);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped mid-evaluation: no row, so it is evaluated after a restart.
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>
    /// Adds a row to the rolling window and returns the rules whose state it changed. Each rule's value, interval and state
    /// go to the metrics; a row of this process (<paramref name="announce"/>) is also counted in the column counters.
    /// </summary>
    private List<WatchAlert> AddToWindow(Row row, bool announce)
    {
        var changes = new List<WatchAlert>();
        if (_aggregates.Count == 0)
        {
            return changes;
        }

        var columns = _suite.Columns;
        var values = new Dictionary<string, double?>();
        foreach (var column in _aggregates.Select(t => t.ColumnName).Distinct())
        {
            if (WindowValue.TryGet(row, column, columns[column], out var value))
            {
                values[column] = value;
                if (announce && _countedColumns.Contains(column))
                {
                    _metrics.Counted(row.ModelConfig, column, WindowValue.IsTrue(value));
                }
            }
        }

        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!_windows.TryGetValue(row.ModelConfig, out var window))
            {
                _windows[row.ModelConfig] = window = [];
            }

            window.Add((row.Log.Timestamp ?? row.EvaluatedAt ?? now, values));
            if (_options.WindowLogs is { } most)
            {
                window.RemoveRange(0, Math.Max(0, window.Count - most));
            }
            else if (_options.WindowDuration is { } duration)
            {
                var newest = window.Max(w => w.At);
                window.RemoveAll(w => newest - w.At > duration);
            }

            if (window.Count < _options.MinLogs)
            {
                foreach (var threshold in _aggregates)
                {
                    _metrics.Decided(row.ModelConfig, threshold.Text, estimate: null, "not_enough_logs");
                }

                return changes;
            }

            foreach (var threshold in _aggregates)
            {
                var inWindow = window.Where(w => w.Values.ContainsKey(threshold.ColumnName)).Select(w => w.Values[threshold.ColumnName]).ToList();
                // The interval of a rule on one of its bounds; for the others a bootstrap on every log would cost more than
                // the log, so only a rate (or mean of a bool column) gets one, Wilson's from its count of trues.
                var type = columns[threshold.ColumnName].Type;
                var estimate = threshold.Bound is not null
                    ? threshold.Estimate(inWindow, type, Statistics.Seeds.Of(threshold.Text, row.ModelConfig))
                    : WithWilson(threshold, type, threshold.Aggregate(inWindow, type), inWindow.Count);
                var value = estimate.Value;
                var breached = !threshold.IsSatisfiedBy(threshold.Decided(estimate));
                var key = (row.ModelConfig, threshold.Text);
                if (breached != _breached.GetValueOrDefault(key)
                    && !(announce && _changed.TryGetValue(key, out var changed) && now - changed < _options.AlertCooldown))
                {
                    _breached[key] = breached;
                    if (announce)
                    {
                        _changed[key] = now;
                        changes.Add(new WatchAlert { Time = now, Suite = _suite.Name, ModelConfig = row.ModelConfig, Rule = threshold.Text, State = breached ? "breach" : "clear", Value = value, Logs = window.Count });
                    }
                }

                // The state the alerts say: a change held back by the cooldown is not one yet.
                _metrics.Decided(row.ModelConfig, threshold.Text, estimate, _breached.GetValueOrDefault(key) ? "breached" : "ok");
            }
        }

        return changes;
    }

    /// <summary>The value, with Wilson's interval for a rate or mean of a bool column (its trues over its rows).</summary>
    private static AggregateEstimate WithWilson(Threshold threshold, ColumnType type, double? value, int rows) =>
        threshold.Function is AggregateFunction.Rate or AggregateFunction.Mean && type == ColumnType.Bool && value is { } rate
            ? new AggregateEstimate { Value = value, Interval = Intervals.Wilson((int)Math.Round(rate * rows), rows), Method = "wilson" }
            : new AggregateEstimate { Value = value };

    /// <summary>
    /// Delivers each alert in turn: the console, the alerts file, the webhook. A webhook that fails (no answer, a timeout,
    /// 408, 429 or 5xx) is tried again after 1, 2 and 4 seconds, then given up on with a warning; once the watcher stops,
    /// an alert is tried once.
    /// </summary>
    private async Task DeliverAsync(CancellationToken stopping)
    {
        await foreach (var alert in _alerts.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            _say(alert.Text);
            var json = _settings.Redact(JsonSerializer.Serialize(new { time = alert.Time, suite = alert.Suite, model_config = alert.ModelConfig, rule = alert.Rule, state = alert.State, value = alert.Value, logs = alert.Logs }));
            if (_options.AlertsFile is { } path)
            {
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await File.AppendAllTextAsync(path, json + "\n", CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
                {
                    _say(_settings.Redact($"warning: cannot write the alert to {path}: {ex.Message}"));
                }
            }

            if (_options.Webhook is { } webhook)
            {
                await PostAlertAsync(webhook, alert, stopping).ConfigureAwait(false);
            }
        }
    }

    private async Task PostAlertAsync(Uri webhook, WatchAlert alert, CancellationToken stopping)
    {
        var body = _settings.Redact(JsonSerializer.Serialize(new { text = alert.Text }));
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await _http.PostAsync(webhook, content, CancellationToken.None).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                failure = $"answered {status}";
                if (status is not (408 or 429) && status < 500)
                {
                    _say(_settings.Redact($"warning: the alert webhook {failure}; the alert is not sent again: {alert.Text}"));
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                failure = $"failed ({ex.Message})";
            }

            if (attempt > WebhookRetryDelays.Length || stopping.IsCancellationRequested)
            {
                _say(_settings.Redact($"warning: the alert webhook {failure}; gave up on the alert after {attempt} attempts: {alert.Text}"));
                return;
            }

            try
            {
                await Task.Delay(WebhookRetryDelays[attempt - 1], _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _say(_settings.Redact($"warning: the alert webhook {failure}; gave up on the alert as the watcher stops: {alert.Text}"));
                return;
            }
        }
    }

    /// <summary>How long a failed webhook delivery waits before each retry.</summary>
    private static readonly TimeSpan[] WebhookRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];
}

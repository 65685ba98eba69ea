using System.Net;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Suites;
using Microsoft.Extensions.AI;

namespace EvalRunner.Runs;

/// <summary>
/// Everything live for one run of one suite: the HTTP and LLM clients, the evaluators built for this run (Python
/// workers among them), the response cache, the concurrency limiter, the budget and the recorder that writes
/// <c>results.jsonl</c>. It runs every datapoint (<see cref="RunAllAsync"/>), or evaluates logs handed to it one at a
/// time (<see cref="EvaluateAsync"/>), and completes into one <see cref="RunResult"/>. Dispose it (<c>await using</c>):
/// disposing completes the run when nobody did, and keeps every finished row.
/// </summary>
public sealed partial class RunSession : IAsyncDisposable
{
    private readonly RunEngine _engine;
    private readonly RunRequest _request;
    private readonly HttpClient _http;
    private readonly AdaptiveLimiter _limiter;
    private readonly RunRecorder _recorder;
    private readonly List<Generator> _generators;
    private readonly List<IEvaluator> _evaluators;
    private readonly IChatClient? _judge;
    private readonly HashSet<(string DatapointId, string ModelConfig, int Trial)> _done;
    private readonly HashSet<(string DatapointId, string ModelConfig, int Trial)> _unwritten;
    private readonly Lock _lock = new();
    private readonly int _concurrency;
    private readonly RetryTally _retries = new();
    private readonly Dictionary<string, FaultStreak> _streaks = [];
    private readonly RepositoryRoot _repository;
    private int _planned = -1;
    private Task<RunResult>? _completion;
    private string? _stopped;
    private bool _cancelled;
    private int _ranAll;
    private bool _allRan;

    private RunSession(RunEngine engine, Suite suite, RunRequest request, IReadOnlyList<Row> kept, HashSet<(string, string, int)> unwritten, SuiteFingerprint fingerprint)
    {
        _engine = engine;
        Suite = suite;
        _request = request;
        _done = kept.Select(r => (r.DatapointId, r.ModelConfig, r.Trial)).ToHashSet();
        _unwritten = unwritten;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _repository = RepositoryRoot.Of(engine.Settings, Directory.GetCurrentDirectory());
        _concurrency = request.Concurrency ?? suite.Options.Concurrency;
        _limiter = new AdaptiveLimiter(_concurrency, engine.Time);
        var setup = new ClientSetup
        {
            Retries = suite.Options.Retries,
            RequestTimeout = suite.Options.RequestTimeout ?? suite.Options.Timeout,
            MaxRetryWait = suite.Options.MaxRetryWait,
            OnRateLimited = _limiter.RateLimited,
            WaitBeforeRetry = AdaptiveLimiter.PauseAsync,
            Tally = _retries,
            Time = engine.Time,
            Cache = request.Cache,
        };
        // The cache may be committed: what it stores is redacted with this run's secrets too.
        request.Cache?.AlsoRedact(engine.Settings.Redactor);
        try
        {
            (_generators, _evaluators, _judge) = BuildParts(setup);
        }
        catch
        {
            _http.Dispose();
            throw;
        }

        try
        {
            // Finished rows wait for the writer in a channel as deep as the concurrency, so the rows paid for and not
            // yet on disk are never more than the calls in flight.
            _recorder = RunRecorder.Start(suite, request.OutputDirectory, engine.Time, request.Observer, engine.Settings, _concurrency, request.Resume ? kept : null, request.RowWritten);
            _recorder.Fingerprint = fingerprint;
            _recorder.Shard = request.Shard;
            _recorder.BaselinePath = request.Baseline;
        }
        catch
        {
            _generators.ForEach(g => g.Dispose());
            DisposePartsAsync().AsTask().GetAwaiter().GetResult();
            _http.Dispose();
            throw;
        }
    }

    /// <summary>The suite this session runs.</summary>
    public Suite Suite { get; }

    /// <summary>Where <c>results.jsonl</c> and <c>run.json</c> are written.</summary>
    public string OutputDirectory => _request.OutputDirectory;

    internal static async Task<RunSession> StartAsync(RunEngine engine, Suite suite, RunRequest request, CancellationToken cancellationToken)
    {
        var fingerprint = await SuiteFingerprint.ComputeAsync(suite, cancellationToken).ConfigureAwait(false);
        if (request.Resume && !request.ResumeAnyway && SuiteFingerprint.ReadFrom(request.OutputDirectory) is { } earlier
            && fingerprint.ChangesSince(earlier) is { Count: > 0 } changes)
        {
            // Rows of another suite would be mixed into this run's verdict.
            throw new SuiteException(
                new SourceLocation(suite.Path, 0),
                $"cannot resume the run in {request.OutputDirectory}: the suite changed since it started ({string.Join(", ", changes)}); "
                + "run it again without --resume, or pass --resume-anyway (RunRequest.ResumeAnyway in code) to keep its finished rows anyway");
        }

        List<Row> kept = [];
        List<string> warnings = [];
        HashSet<(string, string, int)> unwritten = [];
        if (request.Resume)
        {
            var (rows, damaged) = ResultsStore.ReadRowsToResume(request.OutputDirectory);
            kept = request.KeepErrorRows ? [.. rows] : [.. rows.Where(r => r.Outcome != Outcome.Error && r.Error is null)];
            warnings = damaged;

            // Generations the interrupted run had sent whose rows never reached the file: paid for, and paid again now.
            unwritten = InflightJournal.Read(request.OutputDirectory);
            unwritten.ExceptWith(rows.Select(r => (r.DatapointId, r.ModelConfig, r.Trial)));
        }

        // Resumed rows come first in the run's files, which hold every row, old and new (a cut line is gone).
        var session = new RunSession(engine, suite, request, kept, unwritten, fingerprint);
        warnings.ForEach(session._recorder.Warn);
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(suite.Path));
            session._recorder.Source = folder is null ? null : await Comparisons.SourceReader.ReadAsync(engine.Settings, folder, cancellationToken).ConfigureAwait(false);

            // Written before the first row, so that a killed run still says which suite its rows belong to.
            await fingerprint.WriteAsync(request.OutputDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return session;
    }

    /// <summary>
    /// Generates and evaluates every datapoint (those of the request's filter, less the rows a resumed run kept) with
    /// every model config, at the run's concurrency, each row written as it finishes. Stops starting new work when the
    /// budget is reached or <paramref name="cancellationToken"/> fires; the finished rows are kept either way.
    /// </summary>
    /// <exception cref="DatasetException">The dataset is malformed; found before any generation starts.</exception>
    /// <exception cref="InvalidOperationException">The session already ran its datapoints or was completed.</exception>
    public Task RunAllAsync(CancellationToken cancellationToken = default) => RunCheckedAsync(null, cancellationToken);

    internal async Task RunCheckedAsync(int? checkedRows, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _ranAll, 1) == 1 || _completion is not null)
        {
            throw new InvalidOperationException("a run session runs its datapoints once; start a new session for another run");
        }

        // The whole dataset is checked before the first paid generation.
        var rows = checkedRows ?? (await RunEngine.CountAsync(Suite, _request.Selection, cancellationToken).ConfigureAwait(false)).Rows(Suite.Models.Count) * Suite.Options.Repeat;
        _planned = Math.Max(0, rows - _done.Count);
        _request.Observer?.Started(_planned, () => _limiter.Limit);
        // A file that cannot be written stops the run at once: a row that cannot be written is paid for and lost.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _recorder.Faulted);
        try
        {
            await Parallel.ForEachAsync(
                    WorkAsync(cancellationToken),
                    new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = budget.Token },
                    async (work, token) =>
                    {
                        if (_recorder.OverBudget(Suite.Options) is { } reason)
                        {
                            Stop(reason);
                            await budget.CancelAsync().ConfigureAwait(false);
                            return;
                        }

                        var slot = await _limiter.WaitAsync(token).ConfigureAwait(false);

                        // Every cached call of this row (generation and judges) is keyed by its trial.
                        Caching.CacheTrial.Current = work.Trial;

                        // Retries of this row's calls give the slot back while they wait (AdaptiveLimiter.PauseAsync).
                        AdaptiveLimiter.Current = slot;
                        Row? row = null;
                        try
                        {
                            if (work.Generator is { } generator)
                            {
                                _recorder.Starting(work.Datapoint.Id, generator.Config.Name, work.Trial);
                                row = await RunRowAsync(work.Datapoint, generator, token).ConfigureAwait(false);
                            }
                            else
                            {
                                // A response generated elsewhere: evaluated as it is, nothing is generated or paid for.
                                row = await RowForAsync(work.Datapoint, SuppliedLog(work.Datapoint), watched: false, token).ConfigureAwait(false);
                            }
                        }
                        finally
                        {
                            _limiter.Release(succeeded: row is { Log.Error: null }, slot);
                        }

                        row = row with { Trial = work.Trial };

                        if (_unwritten.Count > 0 && work.Generator is not null && _unwritten.Contains((_engine.Settings.Redact(work.Datapoint.Id), _engine.Settings.Redact(work.Generator.Config.Name), work.Trial)) && Paid(row.Log))
                        {
                            _recorder.Repaid();
                        }

                        // A fault no retry fixes stops new rows as soon as this row shows it, not once the row is on disk: the
                        // other slots would go on starting rows meanwhile.
                        if (Watch(row) is { } fault)
                        {
                            Stop(fault);
                            await budget.CancelAsync().ConfigureAwait(false);
                        }

                        // The slot is held until the row is on disk: rows paid for and not written never exceed the concurrency.
                        await _recorder.AddAsync(row, CancellationToken.None).ConfigureAwait(false);
                    })
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_recorder.IsFaulted)
        {
            // Thrown below: the writer's own error names the file.
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The budget stopped new calls; the calls in flight finished and were kept.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _cancelled = true;
        }
        catch (DatasetException ex)
        {
            // The file changed between the check and the run: keep what finished and say why it stopped.
            Stop(ex.Message);
        }

        lock (_lock)
        {
            _allRan = true;
        }

        _recorder.ThrowIfFaulted();
    }

    /// <summary>Whether a log's generation was a call paid for: not answered from the cache, and sent.</summary>
    private static bool Paid(Log log) => !log.CacheHit && log.Error?.Kind is not (ErrorKind.CacheMiss or ErrorKind.Config or ErrorKind.Budget);



    /// <summary>
    /// Evaluates a log produced elsewhere (the team's own application, or logs from production) with the suite's
    /// evaluators and per-datapoint thresholds, records the row, and returns it: the same row a generated log gets.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session was completed.</exception>
    public async Task<Row> EvaluateAsync(Datapoint datapoint, Log log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(datapoint);
        ArgumentNullException.ThrowIfNull(log);
        return await EvaluateTrialAsync(datapoint, log, trial: 1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="EvaluateAsync"/> as one trial of a repeated run (<c>run.repeat</c>): the evaluators run anew, their
    /// cached calls keyed by the trial, and the row keeps its trial number.
    /// </summary>
    internal async Task<Row> EvaluateTrialAsync(Datapoint datapoint, Log log, int trial, CancellationToken cancellationToken)
    {
        if (_completion is not null)
        {
            throw new InvalidOperationException($"the run of suite '{Suite.Name}' is complete; no more rows can be added");
        }

        Caching.CacheTrial.Current = trial;
        var row = await RowForAsync(datapoint, log, watched: false, cancellationToken).ConfigureAwait(false) with { Trial = trial };
        await _recorder.AddAsync(row, cancellationToken).ConfigureAwait(false);
        return row;
    }

    /// <summary>
    /// <see cref="EvaluateAsync"/> for a watched log: an evaluator with a <c>sample:</c> runs only when the log is in
    /// its sample, and the row has no values for it otherwise.
    /// </summary>
    internal async Task<Row> EvaluateWatchedAsync(Datapoint datapoint, Log log, DateTimeOffset? arrivedAt, CancellationToken cancellationToken)
    {
        if (_completion is not null)
        {
            throw new InvalidOperationException($"the run of suite '{Suite.Name}' is complete; no more rows can be added");
        }

        var row = await RowForAsync(datapoint, log, watched: true, cancellationToken).ConfigureAwait(false);
        row = row with { ArrivedAt = arrivedAt, EvaluatedAt = _engine.Time.GetUtcNow() };
        await _recorder.AddAsync(row, cancellationToken).ConfigureAwait(false);
        return row;
    }

    /// <summary>
    /// Ends the run: waits for the last rows to be written, stops the evaluators' processes and the clients, decides
    /// the verdict and writes <c>run.json</c>. Later calls return the same result.
    /// </summary>
    public Task<RunResult> CompleteAsync(CancellationToken cancellationToken = default) => CompleteAsync(verdictWarning: null);

    /// <summary>
    /// <see cref="CompleteAsync(CancellationToken)"/>, with a warning decided on the verdict (a front end saying that no
    /// test case checked it) added to the run before its one <c>run.json</c> is written; null adds none. Only the first
    /// completion's warning counts.
    /// </summary>
    internal Task<RunResult> CompleteAsync(Func<RunResult, string?>? verdictWarning)
    {
        lock (_lock)
        {
            return _completion ??= CompleteCoreAsync(verdictWarning);
        }
    }

    /// <summary>
    /// Decides a datapoint × model config from the rows of its trials that ran, as the verdict counts it (k of n,
    /// <c>run.fail_on_error</c>); a datapoint missing trials once the run ended says why.
    /// </summary>
    internal DatapointDecision Decide(string datapointId, string modelConfig, IReadOnlyList<Row> trials)
    {
        string? ended;
        lock (_lock)
        {
            ended = _stopped is { } stopped ? $"the run stopped: {stopped}"
                : _cancelled ? "the run was cancelled"
                : _completion is not null || _allRan ? "the run ended without it"
                : null;
        }

        return DatapointDecision.Of(datapointId, modelConfig, trials, Suite.Options, ended);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CompleteAsync().ConfigureAwait(false);

    private void Stop(string reason)
    {
        lock (_lock)
        {
            _stopped ??= reason;
        }
    }

    /// <summary>Rows of one model config in a row that failed with the same fault no retry fixes.</summary>
    private sealed class FaultStreak
    {
        public string? Key;
        public int Count;
        public bool Succeeded;
    }

    /// <summary>
    /// Why the run should stop: <see cref="StopAfter"/> rows of a model config in a row failed with the same fault no
    /// retry fixes (a bad key, no quota, a wait longer than run.max_retry_wait) — or, for a fault that may be the
    /// datapoint's own (a 400, a prompt over the context length), before any row of it succeeded. Else null.
    /// </summary>
    private string? Watch(Row row)
    {
        lock (_lock)
        {
            if (!_streaks.TryGetValue(row.ModelConfig, out var streak))
            {
                _streaks[row.ModelConfig] = streak = new FaultStreak();
            }

            if (row.Log.Error?.Fault is not { } fault)
            {
                streak.Key = null;
                streak.Count = 0;
                streak.Succeeded |= row.Log.Error is null;
                return null;
            }

            streak.Count = streak.Key == fault.Key ? streak.Count + 1 : 1;
            streak.Key = fault.Key;
            return streak.Count >= StopAfter && (fault.AccountWide || !streak.Succeeded)
                ? $"the provider refused {streak.Count} rows of {row.ModelConfig} in a row for a reason no retry fixes, so no more were started: {row.Log.Error.Message}"
                : null;
        }
    }

    /// <summary>Rows in a row with the same unfixable fault that stop the run.</summary>
    internal const int StopAfter = 5;

    private async Task<RunResult> CompleteCoreAsync(Func<RunResult, string?>? verdictWarning)
    {
        foreach (var generator in _generators)
        {
            generator.Dispose();
        }

        await DisposePartsAsync().ConfigureAwait(false);
        _http.Dispose();
        IReadOnlyList<string> warnings = [.. await Suite.UnknownExternalIdWarningsAsync(CancellationToken.None).ConfigureAwait(false), .. Suite.ExternalTieWarnings(), .. Suite.UnusedEvaluatorWarnings()];
        var retries = _retries.Snapshot();
        var ran = _planned >= 0;
        return await _recorder.CompleteAsync(_stopped, _cancelled, warnings, result => result with
        {
            NotRun = ran ? Math.Max(0, _planned + _done.Count - result.Rows) : 0,
            Concurrency = ran ? new ConcurrencySummary { Configured = _concurrency, Effective = _limiter.Limit, Lowest = _limiter.Lowest } : null,
            Retries = retries,
        }, verdictWarning).ConfigureAwait(false);
    }

    /// <summary>A datapoint's supplied log, priced by the price table when its dataset gives tokens and no cost.</summary>
    private Log SuppliedLog(Datapoint datapoint)
    {
        var log = datapoint.SuppliedLog!;
        return log.CostUsd is null && log.Model is { } model ? log with { CostUsd = Suite.Prices.Cost(model, log.InputTokens, log.OutputTokens) } : log;
    }

    /// <summary>
    /// Each datapoint with each model config, or with its supplied response (no generator), once per trial
    /// (<c>run.repeat</c>), less the trials a resumed run kept.
    /// </summary>
    private async IAsyncEnumerable<(Datapoint Datapoint, Generator? Generator, int Trial)> WorkAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var repeat = Suite.Options.Repeat;
        await foreach (var datapoint in Suite.ReadDatapointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_request.Selection?.Matches(datapoint) == false)
            {
                continue;
            }

            if (datapoint.SuppliedLog is { } supplied)
            {
                for (var trial = 1; trial <= repeat; trial++)
                {
                    if (!_done.Contains((datapoint.Id, supplied.ModelConfig, trial)))
                    {
                        yield return (datapoint, null, trial);
                    }
                }

                continue;
            }

            foreach (var generator in _generators)
            {
                for (var trial = 1; trial <= repeat; trial++)
                {
                    if (!_done.Contains((datapoint.Id, generator.Config.Name, trial)))
                    {
                        yield return (datapoint, generator, trial);
                    }
                }
            }
        }
    }
}

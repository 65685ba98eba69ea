using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using EvalRunner.Datasets;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

/// <summary>
/// Writes a run's rows to <c>results.jsonl</c> as they come (each line whole, in one write, flushed before the next)
/// and decides the run at the end into <c>run.json</c>. The engine's own runs use it, and so do front ends that evaluate
/// rows themselves (<c>dotnet test</c> with the team's own generation). Rows may be added from any thread.
/// When a file cannot be written (a full disk, a read-only folder) the recorder is faulted: every waiting and later
/// call throws the same <see cref="ResultsWriteException"/>, and <see cref="Faulted"/> fires so the run stops at once.
/// </summary>
internal sealed class RunRecorder : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _rowsPath;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly RunTally _tally;
    private readonly Suite _suite;
    private readonly Channel<(Row Row, TaskCompletionSource Written)> _rows;
    private readonly FileStream _stream;
    private readonly InflightJournal _journal;
    private readonly Task _writer;
    private readonly Lock _spentLock = new();
    private readonly CancellationTokenSource _faulted = new();
    private readonly List<string> _warnings = [];
    private readonly Settings? _settings;
    private readonly IRunObserver? _observer;
    private readonly Action<Row>? _written;
    private volatile ExceptionDispatchInfo? _fault;
    private RunResult? _result;
    private double _spentUsd;
    private long _spentTokens;
    private int _repaid;

    /// <summary>The commit and branch the run measures, recorded in <c>run.json</c>; null when not known.</summary>
    public Results.RunSource? Source { get; set; }

    /// <summary>
    /// The baseline's results directory given for this run (else the suite's <c>baseline.source</c>); the regression
    /// rules are decided against it when the run completes.
    /// </summary>
    public string? BaselinePath { get; set; }

    /// <summary>The shard this run is (<c>--shard I/N</c>), recorded in <c>run.json</c>; null for a whole run.</summary>
    public Shard? Shard { get; set; }

    /// <summary>The suite's fingerprint as the run started, recorded in <c>run.json</c>; null when not known.</summary>
    public SuiteFingerprint? Fingerprint { get; set; }

    private RunRecorder(Suite suite, string directory, int capacity, TimeProvider time, IRunObserver? observer, Settings? settings, IReadOnlyList<Row>? kept, Action<Row>? written)
    {
        _settings = settings;
        _observer = observer;
        _written = written;
        _directory = directory;
        _time = time;
        _started = time.GetUtcNow();
        _tally = new RunTally(suite);
        _suite = suite;

        // The writer never lags far behind: a full channel holds back the callers, whose generations are paid for.
        _rows = Channel.CreateBounded<(Row, TaskCompletionSource)>(new BoundedChannelOptions(Math.Max(1, capacity)) { SingleReader = true });
        _rowsPath = Path.Combine(directory, ResultsStore.RowsFile);
        var opening = directory;
        try
        {
            Directory.CreateDirectory(directory);
            opening = _rowsPath;
            if (kept is not null)
            {
                // A resumed run's rows are written aside and moved into place: a run killed while resuming loses none.
                AtomicFile.WriteAsync(_rowsPath, (stream, _) => WriteKept(stream, kept), CancellationToken.None).GetAwaiter().GetResult();
            }

            // No buffer: each line goes to the file in one write, so a line is never left half in memory.
            _stream = new FileStream(_rowsPath, kept is null ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
            opening = InflightJournal.PathIn(directory);
            _journal = InflightJournal.Create(directory);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            _stream?.Dispose();
            throw new ResultsWriteException(opening, ex);
        }

        foreach (var row in kept ?? [])
        {
            _tally.Add(row);
            observer?.RowFinished(row);
        }

        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Fires when a file of the run could not be written; the run must stop.</summary>
    public CancellationToken Faulted => _faulted.Token;

    /// <summary>Whether a file of the run could not be written.</summary>
    public bool IsFaulted => _fault is not null;

    /// <summary>
    /// Starts a run's files in <paramref name="outputDirectory"/>, replacing earlier ones; a resumed run's
    /// <paramref name="kept"/> rows come first. <paramref name="capacity"/> is how many finished rows may wait for the
    /// writer: the run's concurrency. <paramref name="written"/> is handed each row written from here on, after it is on
    /// disk (not the kept ones).
    /// </summary>
    /// <exception cref="ResultsWriteException">The folder or its files cannot be written.</exception>
    public static RunRecorder Start(Suite suite, string outputDirectory, TimeProvider? timeProvider = null, IRunObserver? observer = null, Settings? settings = null, int capacity = 64, IReadOnlyList<Row>? kept = null, Action<Row>? written = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        return new RunRecorder(suite, outputDirectory, capacity, timeProvider ?? TimeProvider.System, observer, settings, kept, written);
    }

    /// <summary>Adds a finished row; returns when it is on disk.</summary>
    /// <exception cref="ResultsWriteException">The row could not be written; the run must stop.</exception>
    public async ValueTask AddAsync(Row row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ThrowIfFaulted();

        // Spend counts the moment a row is handed over, so that the next budget check sees it even before it is written.
        lock (_spentLock)
        {
            _spentUsd += Spent.Cost(row);
            _spentTokens += Spent.Tokens(row);
        }

        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _rows.Writer.WriteAsync((row, written), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ThrowIfFaulted();
            throw;
        }

        await written.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Records that a generation is about to be sent (in <c>inflight.jsonl</c>), so that a run killed before its row is
    /// written knows on <c>--resume</c> that it pays for it again.
    /// </summary>
    /// <exception cref="ResultsWriteException">The journal could not be written; the run must stop.</exception>
    public void Starting(string datapointId, string modelConfig, int trial = 1)
    {
        ThrowIfFaulted();
        try
        {
            _journal.Started(Clean(datapointId), Clean(modelConfig), trial);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            Fail(new ResultsWriteException(InflightJournal.PathIn(_directory), ex));
            ThrowIfFaulted();
        }
    }

    /// <summary>Counts a generation paid again because the interrupted run it resumes had sent it and not written its row.</summary>
    public void Repaid() => Interlocked.Increment(ref _repaid);

    /// <summary>Adds a warning for the run's reports.</summary>
    public void Warn(string warning)
    {
        lock (_warnings)
        {
            _warnings.Add(warning);
        }
    }

    /// <summary>Throws the <see cref="ResultsWriteException"/> that faulted the recorder, if one did.</summary>
    public void ThrowIfFaulted() => _fault?.Throw();

    /// <summary>Writes the last rows, decides the run, writes <c>run.json</c>. Later calls return the same result.</summary>
    /// <param name="stopped">Why the run stopped early, if it did.</param>
    /// <param name="cancelled">Whether the run was cancelled.</param>
    /// <param name="warnings">What the run noticed that decides nothing (<see cref="RunResult.Warnings"/>).</param>
    /// <param name="amend">Adds what the session knows (concurrency, retries, rows not run) before run.json is written.</param>
    /// <param name="verdictWarning">A warning decided on the final verdict, added before run.json is written; null for none.</param>
    /// <exception cref="ResultsWriteException">A file of the run could not be written.</exception>
    public async Task<RunResult> CompleteAsync(string? stopped = null, bool cancelled = false, IReadOnlyList<string>? warnings = null, Func<RunResult, RunResult>? amend = null, Func<RunResult, string?>? verdictWarning = null)
    {
        if (_result is not null)
        {
            return _result;
        }

        _rows.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _journal.Dispose();
        ThrowIfFaulted();
        List<string> noticed;
        lock (_warnings)
        {
            noticed = [.. _warnings, .. warnings ?? []];
        }

        var result = _tally.Decide(stopped, cancelled) with
        {
            StartedAt = _started,
            FinishedAt = _time.GetUtcNow(),
            OutputDirectory = _directory,
            Repaid = Volatile.Read(ref _repaid),
            Warnings = noticed,
            SuiteHash = Fingerprint?.Hash,
            SuiteParts = Fingerprint?.Parts,
            Source = Source,
            Shard = Shard,
        };
        if (Shard is { } shard && result.Rows == 0 && stopped is null && !cancelled)
        {
            result = EmptyShard(result, shard);
        }
        else if (Shard is { } part)
        {
            result = AggregatesUndecided(result, part);
        }

        if (amend is not null)
        {
            result = amend(result);
            if (stopped is not null && result.NotRun > 0)
            {
                // Rows never started are no rows: in no count, but said in the verdict.
                var reasons = result.Reasons.Select(r => r.Kind == VerdictReasonKind.Stopped ? r with { Message = $"{r.Message}; {result.NotRun} rows were not run" } : r).ToList();
                result = result.WithVerdict(result.Verdict, reasons);
            }
        }

        // Regression rules are decided on the rows as written, read back from results.jsonl.
        result = await Comparisons.BaselineGate.DecideAsync(result, _suite, BaselinePath, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        if (verdictWarning?.Invoke(result) is { } warning)
        {
            result = result with { Warnings = [.. result.Warnings, warning] };
        }

        result = await ResultsStore.WriteRunAsync(result, _settings, CancellationToken.None).ConfigureAwait(false);
        try
        {
            // Every started generation has its row now: nothing is in flight.
            InflightJournal.Delete(_directory);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            // A journal left behind is settled by the rows next to it.
        }

        _result = result;
        return result;
    }

    /// <summary>
    /// A shard no datapoint hashed to: nothing was measured here, and that is no error (the suite may have fewer
    /// datapoints than shards). Exit 0; <c>evalrunner merge</c> decides the suite over all its shards, and fails a merge
    /// where no shard measured anything.
    /// </summary>
    internal static RunResult EmptyShard(RunResult result, Shard shard)
    {
        var reason = new VerdictReason
        {
            Kind = VerdictReasonKind.EmptyShard,
            Message = $"shard {shard} had no datapoints (none of the suite's datapoint ids hash to it); nothing ran here, and `evalrunner merge` decides the suite over all {shard.Count} shards",
        };
        return result.WithVerdict(Verdict.Skipped, [reason]);
    }

    /// <summary>
    /// A shard decides no aggregate rule: an aggregate over a share of the rows is not the suite's, so the merge
    /// decides them over all shards. Its verdict is its rows' (a row that failed fails the merged suite too).
    /// </summary>
    internal static RunResult AggregatesUndecided(RunResult result, Shard shard)
    {
        var aggregates = result.Reasons.Where(r => r.Kind == VerdictReasonKind.AggregateFailed).ToList();
        if (result.Verdict != Verdict.Fail || aggregates.Count == 0)
        {
            return result;
        }

        var note = $"aggregate thresholds are decided over all {shard.Count} shards by `evalrunner merge`, not by shard {shard} (on its rows alone: {string.Join("; ", aggregates.Select(a => a.Message))})";
        var rest = result.Reasons.Where(r => r.Kind != VerdictReasonKind.AggregateFailed).ToList();
        if (rest.Any(r => r.Kind is VerdictReasonKind.RowsFailed or VerdictReasonKind.RowsErrored))
        {
            return result.WithVerdict(Verdict.Fail, rest);
        }

        var passed = new VerdictReason { Kind = VerdictReasonKind.Passed, Message = $"shard {shard}: {result.Passed} of {result.Measured} rows passed; {note}" };
        return result.WithVerdict(Verdict.Pass, [passed, .. rest]);
    }

    /// <summary>Why no new call may start (a budget of the suite is reached), or null.</summary>
    public string? OverBudget(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_spentLock)
        {
            if (options.MaxCost is { } maxCost && _spentUsd >= maxCost)
            {
                return $"budget reached: spent {ValueText.Usd(_spentUsd)} of run.max_cost {ValueText.Usd(maxCost)}; no new calls were started";
            }

            return options.MaxTokens is { } maxTokens && _spentTokens >= maxTokens
                ? $"budget reached: used {_spentTokens} of run.max_tokens {maxTokens} tokens; no new calls were started"
                : null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CompleteAsync().ConfigureAwait(false);

    private Task WriteKept(Stream stream, IReadOnlyList<Row> kept)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        foreach (var row in kept)
        {
            buffer.ResetWrittenCount();
            ResultsStore.WriteLine(buffer, row, _settings, _suite.Options.Repeat > 1);
            stream.Write(buffer.WrittenSpan);
        }

        return Task.CompletedTask;
    }

    private string Clean(string text) => _settings?.Redact(text) ?? text;

    private void Fail(Exception exception)
    {
        lock (_faulted)
        {
            if (_fault is not null)
            {
                return;
            }

            _fault = ExceptionDispatchInfo.Capture(exception);
        }

        _rows.Writer.TryComplete(exception);
        _faulted.Cancel();
    }

    private async Task WriteAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        long length = 0;
        TaskCompletionSource? current = null;
        try
        {
            await foreach (var (row, written) in _rows.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                current = written;
                try
                {
                    buffer.ResetWrittenCount();
                    ResultsStore.WriteLine(buffer, row, _settings, _suite.Options.Repeat > 1);

                    // The line and its newline in one write: a crash or a full disk leaves the line whole or cut, never
                    // joined to the next one; a cut line is taken back below and skipped by every reader.
                    _stream.Write(buffer.WrittenSpan);
                    length += buffer.WrittenCount;
                }
                catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
                {
                    TakeBack(length);
                    var fault = new ResultsWriteException(_rowsPath, ex);
                    written.TrySetException(fault);
                    Fail(fault);
                    break;
                }

                _tally.Add(row);
                _observer?.RowFinished(row);
                _written?.Invoke(row);
                written.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            // Whatever else stops the writer stops the run too, never leaves callers waiting on a channel nobody reads.
            Fail(ex);
        }
        finally
        {
            current?.TrySetException(_fault?.SourceException ?? new InvalidOperationException("the run's writer stopped"));
            // Rows still waiting will never be written.
            while (_rows.Reader.TryRead(out var waiting))
            {
                waiting.Written.TrySetException(_fault?.SourceException ?? new InvalidOperationException("the run's writer stopped"));
            }

            try
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
            {
                Fail(new ResultsWriteException(_rowsPath, ex));
            }
        }
    }

    /// <summary>Cuts a partly written line off the end of the file, when the file system still allows it.</summary>
    private void TakeBack(long length)
    {
        try
        {
            _stream.SetLength(length);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            // The cut line stays; readers skip it, and --resume says so.
        }
    }
}

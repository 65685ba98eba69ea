using System.Threading.Channels;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

/// <summary>
/// Writes a run's rows to <c>results.jsonl</c> as they come (each flushed before the next) and decides the run at
/// the end into <c>run.json</c>. The engine's own runs use it, and so do front ends that evaluate rows themselves
/// (<c>dotnet test</c> with the team's own generation). Rows may be added from any thread.
/// </summary>
internal sealed class RunRecorder : IAsyncDisposable
{
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly RunTally _tally;
    private readonly Channel<Row> _rows = Channel.CreateBounded<Row>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly Task _writer;
    private readonly Lock _spentLock = new();
    private RunResult? _result;
    private double _spentUsd;
    private long _spentTokens;

    private readonly Settings? _settings;

    private RunRecorder(Suite suite, string directory, TimeProvider time, IRunObserver? observer, Settings? settings)
    {
        _settings = settings;
        _directory = directory;
        _time = time;
        _started = time.GetUtcNow();
        _tally = new RunTally(suite);
        Directory.CreateDirectory(directory);
        _writer = WriteAsync(Path.Combine(directory, ResultsStore.RowsFile), observer);
    }

    /// <summary>Starts a run's files in <paramref name="outputDirectory"/>, replacing earlier ones.</summary>
    public static RunRecorder Start(Suite suite, string outputDirectory, TimeProvider? timeProvider = null, IRunObserver? observer = null, Settings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        return new RunRecorder(suite, outputDirectory, timeProvider ?? TimeProvider.System, observer, settings);
    }

    /// <summary>Adds a finished row; it is on disk before the next one is written.</summary>
    public ValueTask AddAsync(Row row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);

        // Spend counts the moment a row is handed over, so that the next budget check sees it even before it is written.
        lock (_spentLock)
        {
            _spentUsd += Spent.Cost(row);
            _spentTokens += Spent.Tokens(row);
        }

        return _rows.Writer.WriteAsync(row, cancellationToken);
    }

    /// <summary>Writes the last rows, decides the run, writes <c>run.json</c>. Later calls return the same result.</summary>
    /// <param name="stopped">Why the run stopped early, if it did.</param>
    /// <param name="cancelled">Whether the run was cancelled.</param>
    /// <param name="amend">Adds what the session knows (concurrency, retries, rows not run) before run.json is written.</param>
    public async Task<RunResult> CompleteAsync(string? stopped = null, bool cancelled = false, Func<RunResult, RunResult>? amend = null)
    {
        if (_result is not null)
        {
            return _result;
        }

        _rows.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        var result = _tally.Decide(stopped, cancelled) with { StartedAt = _started, FinishedAt = _time.GetUtcNow(), OutputDirectory = _directory };
        if (amend is not null)
        {
            result = amend(result);
            if (stopped is not null && result.NotRun > 0)
            {
                // Rows never started are no rows: in no count, but said in the verdict.
                var reasons = result.Reasons.Select(r => r.Kind == VerdictReasonKind.Stopped ? r with { Message = $"{r.Message}; {result.NotRun} rows were not run" } : r).ToList();
                result = result with { Reasons = reasons, Reason = string.Join(". ", reasons.Select(r => r.Message)) };
            }
        }

        result = await ResultsStore.WriteRunAsync(result, _settings, CancellationToken.None).ConfigureAwait(false);
        _result = result;
        return result;
    }

    /// <summary>Why no new call may start (a budget of the suite is reached), or null.</summary>
    public string? OverBudget(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_spentLock)
        {
            if (options.MaxCost is { } maxCost && _spentUsd >= maxCost)
            {
                return $"budget reached: spent ${_spentUsd:0.####} of run.max_cost ${maxCost:0.####}; no new calls were started";
            }

            return options.MaxTokens is { } maxTokens && _spentTokens >= maxTokens
                ? $"budget reached: used {_spentTokens} of run.max_tokens {maxTokens} tokens; no new calls were started"
                : null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CompleteAsync().ConfigureAwait(false);

    private async Task WriteAsync(string path, IRunObserver? observer)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var row in _rows.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                ResultsStore.WriteRow(stream, row, _settings);
                stream.WriteByte((byte)'\n');

                // Every finished row reaches the disk before the next one, so a crash loses none.
                await stream.FlushAsync().ConfigureAwait(false);
                _tally.Add(row);

                observer?.RowFinished(row);
            }
        }
    }
}

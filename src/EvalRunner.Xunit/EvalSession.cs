using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Reports;
using EvalRunner.Runs;
using EvalRunner.Suites;
using Xunit;

namespace EvalRunner.Xunit;

/// <summary>
/// One suite in one test process: loaded once, its datapoints known at discovery; either one engine run that every
/// case waits on (generated), or a recorder that the cases feed with their own responses (supplied). Both write the
/// same results.jsonl and run.json as the CLI.
/// </summary>
internal sealed class EvalSession : IRunObserver
{
    private static readonly ConcurrentDictionary<string, Lazy<EvalSession>> Sessions = new(StringComparer.Ordinal);

    // One suite per results folder in a test process, compared as a case-insensitive file system would.
    private static readonly ConcurrentDictionary<string, Suite> Folders = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Datapoint> _byId;
    private readonly Settings _settings = Settings.FromEnvironment();
    private readonly RunEngine _engine;
    private readonly ConcurrentDictionary<(string Id, string Model), TrialRows> _rows = new();
    private readonly Lock _lock = new();
    private Task<RunResult>? _run;
    private Task<RunSession>? _supplied;
    private int _suppliedRows;
    private int _aggregatesChecked;

    private EvalSession(string key, string path, Type[] evaluatorTypes)
    {
        Key = key;
        var evaluators = evaluatorTypes.Select(type => (IEvaluator)(Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"cannot create {type}"))).ToList();
        Suite = SuiteLoader.Load(path, _settings, evaluators);
        SuiteLoader.CheckAsync(Suite, _settings, CancellationToken.None).GetAwaiter().GetResult();
        Datapoints = Suite.ReadDatapointsAsync().ToBlockingEnumerable().ToList();
        _byId = Datapoints.ToDictionary(d => d.Id, StringComparer.Ordinal);
        _engine = new RunEngine(_settings);
        OutputDirectory = ResultsStore.SuiteDirectory(_settings.Get("EVALRUNNER_RESULTS") ?? Path.Combine(Directory.GetCurrentDirectory(), "evalrunner-results"), Suite.Name);
        if (Folders.GetOrAdd(OutputDirectory, Suite) is { } other && !ReferenceEquals(other, Suite))
        {
            throw new SuiteException(Suite.NameLocation,
                $"'{Suite.Name}' writes its results to {OutputDirectory}, as the suite '{other.Name}' ({other.Path}) of this test project does; give each suite, or each [EvalSuite] of one suite file, a name of its own");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Finish();
    }

    public string Key { get; }

    public Suite Suite { get; }

    public IReadOnlyList<Datapoint> Datapoints { get; }

    public string OutputDirectory { get; }

    private RunRequest Request => new() { OutputDirectory = OutputDirectory, Observer = this };

    public static Row AggregateRow => new() { DatapointId = "aggregate thresholds", ModelConfig = string.Empty, Outcome = Outcome.Pass, Log = new Log { ModelConfig = string.Empty } };

    public static EvalSession For(string path, Type[] evaluatorTypes)
    {
        var full = Resolve(path);
        var key = string.Join('|', [full, .. evaluatorTypes.Select(t => t.AssemblyQualifiedName)]);
        return Sessions.GetOrAdd(key, k => new Lazy<EvalSession>(() => new EvalSession(k, full, evaluatorTypes))).Value;
    }

    /// <summary>The session of a deserialized case: the same one when discovery ran in this process, else loaded again.</summary>
    public static EvalSession Existing(string key) => Sessions.GetOrAdd(key, k => new Lazy<EvalSession>(() =>
    {
        var parts = k.Split('|');
        var types = parts[1..].Select(name => Type.GetType(name, throwOnError: true)!).ToArray();
        return new EvalSession(k, parts[0], types);
    })).Value;

    public Datapoint Datapoint(string id) => _byId.TryGetValue(id, out var datapoint)
        ? datapoint
        : throw new InvalidOperationException($"suite '{Suite.Name}' has no datapoint '{id}' any more; run discovery again");

    /// <summary>The rows of a datapoint × model config: one per trial (<c>run.repeat</c>), by trial.</summary>
    public async Task<IReadOnlyList<Row>> GeneratedRowsAsync(string id, string model)
    {
        Task<RunResult> run;
        lock (_lock)
        {
            if (_supplied is not null)
            {
                throw new InvalidOperationException($"suite '{Suite.Name}': a test already supplied its own responses (EvaluateAsync); use AssertPassesAsync or EvaluateAsync for all cases of a suite, not both");
            }

            // The first case starts the whole suite at its own concurrency; every case then waits for its row.
            run = _run ??= Task.Run(() => _engine.RunAsync(Suite, Request));
        }

        var row = RowSlot(id, model).Rows.Task;
        await Task.WhenAny(row, run).ConfigureAwait(false);
        if (row.IsCompleted)
        {
            return await row.ConfigureAwait(false);
        }

        var result = await run.ConfigureAwait(false);
        return await row.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false) is { } late ? late
            : throw new InvalidOperationException($"the run ended ({result.Verdict}: {result.Reason}) without a row for '{id}'");
    }

    /// <summary>Evaluates a supplied log once per trial (<c>run.repeat</c>): the evaluators, an LLM judge among them, run anew each time.</summary>
    public async Task<IReadOnlyList<Row>> EvaluateSuppliedAsync(Datapoint datapoint, Log log, CancellationToken cancellationToken)
    {
        Task<RunSession> session;
        lock (_lock)
        {
            if (_run is not null)
            {
                throw new InvalidOperationException($"suite '{Suite.Name}': the suite's own generation already ran (AssertPassesAsync); use one way for all cases of a suite");
            }

            session = _supplied ??= _engine.StartAsync(Suite, Request, CancellationToken.None);
        }

        var started = await session.ConfigureAwait(false);
        var rows = new List<Row>(Suite.Options.Repeat);
        for (var trial = 1; trial <= Suite.Options.Repeat; trial++)
        {
            var row = await started.EvaluateTrialAsync(datapoint, log, trial, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _suppliedRows);
            RowSlot(row.DatapointId, row.ModelConfig).Add(row);
            rows.Add(row);
        }

        return rows;
    }

    public async Task<RunResult> CompleteAsync(CancellationToken cancellationToken)
    {
        Task<RunResult>? run;
        Task<RunSession>? supplied;
        lock (_lock)
        {
            run = _run;
            supplied = _supplied;
        }

        if (run is not null)
        {
            return await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (supplied is null || Volatile.Read(ref _suppliedRows) == 0)
        {
            throw new EvalFailedException(
                $"{Suite.Name} › aggregate thresholds: no datapoint of the suite has run yet. When the test supplies its own responses, "
                + "the aggregate case must run last: add [assembly: TestCaseOrderer(typeof(EvalRunner.Xunit.EvalCaseOrderer))] to the test project.");
        }

        return await (await supplied.ConfigureAwait(false)).CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Passes or fails a datapoint × model config: by its one row, or in a repeated run by the k-of-n rule over its
    /// trials (<c>run.min_passes</c> of <c>run.repeat</c>), naming the trials that did not pass.
    /// </summary>
    public void AssertRows(IReadOnlyList<Row> rows)
    {
        if (rows.Count == 1 && Suite.Options.Repeat == 1)
        {
            AssertRow(rows[0]);
            return;
        }

        var counts = default(TrialCounts);
        foreach (var row in rows)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(ResultsStore.RowText(row, _settings));
            counts.Add(row);
        }

        var first = rows[0];
        var required = Suite.Options.RequiredPasses;
        var outcome = counts.Decide(required);
        if (outcome is null)
        {
            throw new NeedsLiveRunException(_settings.Redact($"{Suite.Name} › {first.DatapointId} [{first.ModelConfig}]: needs a live run, no trial is in the response cache ({first.Error?.Message})"));
        }

        if (outcome == Outcome.Pass || (outcome == Outcome.Error && !Suite.Options.FailOnError))
        {
            return;
        }

        var message = new StringBuilder();
        message.AppendLine(CultureInfo.InvariantCulture,
            $"{Suite.Name} › {first.DatapointId} [{first.ModelConfig}]: {outcome.Value.ToString().ToUpperInvariant()}: {counts.Passed} of {rows.Count} trials passed, fewer than min_passes {required}");
        foreach (var row in rows.Where(r => r.Outcome != Outcome.Pass))
        {
            var why = row.NeedsLiveRun ? $"needs a live run ({row.Error?.Message})"
                : row.Outcome == Outcome.Error ? $"error: {row.Error?.Message}"
                : string.Join("; ", row.FailedRules);
            message.AppendLine(CultureInfo.InvariantCulture, $"  trial {row.Trial}: {row.Outcome.ToString().ToUpperInvariant()}: {why}");
            message.AppendLine(CultureInfo.InvariantCulture, $"    response: {row.Log.Response}");
        }

        message.AppendLine(CultureInfo.InvariantCulture, $"input: {first.Input}");
        message.Append(CultureInfo.InvariantCulture, $"expected: {first.Expected}");
        throw new EvalFailedException(_settings.Redact(message.ToString()));
    }

    public void AssertRow(Row row)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(ResultsStore.RowText(row, _settings));
        if (row.NeedsLiveRun)
        {
            // Replay mode without the call in the cache: not measured, so neither passed nor failed.
            throw new NeedsLiveRunException(_settings.Redact($"{Suite.Name} › {row.DatapointId} [{row.ModelConfig}]: needs a live run ({row.Error?.Message})"));
        }

        if (!row.FailsRun(Suite.Options))
        {
            return;
        }

        var message = new StringBuilder();
        message.AppendLine(CultureInfo.InvariantCulture, $"{Suite.Name} › {row.DatapointId} [{row.ModelConfig}]: {row.Outcome.ToString().ToUpperInvariant()}");
        if (row.FailedRules.Count > 0)
        {
            message.AppendLine("failed rules:");
            foreach (var rule in row.FailedRules)
            {
                message.AppendLine(CultureInfo.InvariantCulture, $"  - {rule}");
            }
        }

        if (row.Error is not null)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"error: {row.Error.Message}");
        }

        message.AppendLine("values:");
        foreach (var evaluation in row.Evaluations)
        {
            foreach (var (column, value) in evaluation.Values)
            {
                message.AppendLine(CultureInfo.InvariantCulture, $"  {evaluation.Evaluator}.{column} = {Show(value)}");
            }
        }

        message.AppendLine(CultureInfo.InvariantCulture, $"input: {row.Input}");
        message.AppendLine(CultureInfo.InvariantCulture, $"expected: {row.Expected}");
        message.Append(CultureInfo.InvariantCulture, $"response: {row.Log.Response}");
        throw new EvalFailedException(_settings.Redact(message.ToString()));
    }

    public void AssertAggregates(RunResult result)
    {
        Interlocked.Exchange(ref _aggregatesChecked, 1);
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine(_settings.Redact($"{result.Verdict}: {result.Reason} (results in {result.OutputDirectory})"));
        foreach (var aggregate in result.Aggregates)
        {
            output?.WriteLine(_settings.Redact($"{(aggregate.Passed ? "pass" : "FAIL")} {aggregate.Rule} [{aggregate.ModelConfig}] = {ReportValues.WithInterval(aggregate)}"));
        }

        // Rows that failed or errored fail their own cases; this case fails for every other reason of the verdict.
        var reasons = result.Reasons.Where(r => r.Kind is not (VerdictReasonKind.Passed or VerdictReasonKind.RowsFailed or VerdictReasonKind.RowsErrored or VerdictReasonKind.NeedsLiveRun)).ToList();
        if (result.ExitCode != 0 && reasons.Count > 0)
        {
            throw new EvalFailedException(_settings.Redact(
                $"{Suite.Name} › aggregate thresholds: {result.Verdict.ToString().ToUpperInvariant()}\n"
                + string.Join('\n', reasons.Select(r => $"  - {r.Message}"))
                + string.Concat(result.Aggregates.Where(a => !a.Passed).Select(a => $"\n  - {a.Rule} [{a.ModelConfig}] was {ReportValues.WithInterval(a)}{(a.CoverageProblem is { } problem ? $" ({problem})" : string.Empty)}"))
                + $"\n{result.Rows} rows: {result.Passed} passed, {result.Failed} failed, {result.Errors} errors"));
        }

        // Not decided (replay mode measured less than run.min_measured): skipped, never passed.
        if (result.Verdict == Verdict.Unmeasured)
        {
            throw new NeedsLiveRunException(_settings.Redact(result.Reason));
        }
    }

    /// <summary>
    /// At the end of the test process: completes a run fed by the cases, and when datapoint cases ran but the aggregate
    /// case did not (a filter left it out), says so: in the output, and as a warning in run.json that the summary shows.
    /// </summary>
    private void Finish()
    {
        RunResult? result = null;
        if (_supplied is { IsCompletedSuccessfully: true } started)
        {
            result = started.Result.CompleteAsync().GetAwaiter().GetResult();
        }
        else if (_run is { } run && Volatile.Read(ref _aggregatesChecked) == 0)
        {
            // Every case that ran waited for its own row; the run finishes its last rows and decides at once.
            result = run.Wait(TimeSpan.FromSeconds(10)) ? run.Result : null;
        }

        if (result is null || Volatile.Read(ref _aggregatesChecked) == 1)
        {
            return;
        }

        var warning = $"the '{Suite.Name} › aggregate thresholds' test case did not run (a test filter left it out), so no test case checked the aggregate thresholds; "
            + $"the run's verdict, with them, is {result.Verdict.ToString().ToLowerInvariant()}: {result.Reason}";
        try
        {
            ResultsStore.WriteRunAsync(result with { Warnings = [.. result.Warnings, warning] }, _settings, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ResultsWriteException ex)
        {
            warning += $" (and run.json could not be updated: {ex.Message})";
        }

        // The test platform has stopped capturing by now: this reaches the console of `dotnet test`.
        Console.Error.WriteLine(_settings.Redact($"warning: EvalRunner: {warning}"));
    }

    void IRunObserver.Started(int total)
    {
    }

    void IRunObserver.RowFinished(Row row) => RowSlot(row.DatapointId, row.ModelConfig).Add(row);

    private TrialRows RowSlot(string id, string model) => _rows.GetOrAdd((id, model), _ => new TrialRows(Suite.Options.Repeat));

    private static string Show(object? value) => ValueText.Format(value, quoteStrings: true);
    private static string Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        foreach (var root in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var candidate = Path.GetFullPath(Path.Combine(root, path));
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"suite '{path}' not found in the test output folder ({AppContext.BaseDirectory}) or the current folder; copy it to the output (<None Include=\"evals/**\" CopyToOutputDirectory=\"PreserveNewest\" />)", path);
    }
}

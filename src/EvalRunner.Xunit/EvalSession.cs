using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using Xunit;
using Xunit.v3;

namespace EvalRunner.Xunit;

/// <summary>
/// One suite in one test process: loaded once (asynchronously, at discovery or by the first case), its datapoints known
/// at discovery; one engine run session that either runs every datapoint while each case waits for its own
/// (generated), or that the cases feed with their own responses (supplied). The session decides each datapoint and
/// the verdict, and writes the same results.jsonl and run.json as the CLI; the cases only read its decisions.
/// </summary>
internal sealed class EvalSession : IRunObserver
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<EvalSession>>> Sessions = new(StringComparer.Ordinal);

    // One suite per results folder in a test process, compared as a case-insensitive file system would.
    private static readonly ConcurrentDictionary<string, Suite> Folders = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Datapoint> _byId;
    private readonly Settings _settings;
    private readonly RunEngine _engine;
    private readonly ConcurrentDictionary<(string Id, string Model), TrialRows> _rows = new();

    // The datapoint × model config pairs whose own case read their decision.
    private readonly ConcurrentDictionary<(string Id, string Model), byte> _asserted = new();
    private readonly Lock _lock = new();
    private Task<RunSession>? _session;
    private Task? _runAll;
    private bool _generated;
    private int _suppliedRows;
    private int _aggregatesChecked;

    private EvalSession(string key, Suite suite, List<Datapoint> datapoints, Settings settings)
    {
        Key = key;
        _settings = settings;
        Suite = suite;
        Datapoints = datapoints;
        _byId = Datapoints.ToDictionary(d => d.Id, StringComparer.Ordinal);
        _engine = new RunEngine(_settings);
        OutputDirectory = ResultsStore.SuiteDirectory(_settings.Get("EVALRUNNER_RESULTS") ?? Path.Combine(Directory.GetCurrentDirectory(), "evalrunner-results"), Suite.Name);
        if (Folders.GetOrAdd(OutputDirectory, Suite) is { } other && !ReferenceEquals(other, Suite))
        {
            throw new SuiteException(Suite.NameLocation,
                $"'{Suite.Name}' writes its results to {OutputDirectory}, as the suite '{other.Name}' ({other.Path}) of this test project does; give each suite, or each [EvalSuite] of one suite file, a name of its own");
        }
    }

    public string Key { get; }

    public Suite Suite { get; }

    public IReadOnlyList<Datapoint> Datapoints { get; }

    public string OutputDirectory { get; }

    private RunRequest Request => new() { OutputDirectory = OutputDirectory, Observer = this };

    public static Row AggregateRow => new() { DatapointId = "aggregate thresholds", ModelConfig = string.Empty, Outcome = Outcome.Pass, Log = new Log { ModelConfig = string.Empty } };

    /// <summary>The session of a suite file, loaded once per test process (discovery awaits it).</summary>
    public static Task<EvalSession> ForAsync(string path, Type[] evaluatorTypes)
    {
        var full = Resolve(path);
        var key = string.Join('|', [full, .. evaluatorTypes.Select(t => t.AssemblyQualifiedName)]);
        return Sessions.GetOrAdd(key, k => new Lazy<Task<EvalSession>>(() => LoadAsync(k, full, evaluatorTypes))).Value;
    }

    /// <summary>The session of a deserialized case: the same one when discovery ran in this process, else loaded again.</summary>
    public static Task<EvalSession> ExistingAsync(string key) => Sessions.GetOrAdd(key, k => new Lazy<Task<EvalSession>>(() =>
    {
        var parts = k.Split('|');
        var types = parts[1..].Select(name => Type.GetType(name, throwOnError: true)!).ToArray();
        return LoadAsync(k, parts[0], types);
    })).Value;

    /// <summary>
    /// The session of a case whose datapoint is read before any of its asynchronous calls. Discovery in this process
    /// (dotnet test, the IDE) loaded it already; only a case deserialized in a process that did not discover it waits
    /// here for the load.
    /// </summary>
    public static EvalSession Loaded(string key) => ExistingAsync(key) is { IsCompletedSuccessfully: true } loaded
        ? loaded.Result
        : ExistingAsync(key).GetAwaiter().GetResult();

    private static async Task<EvalSession> LoadAsync(string key, string path, Type[] evaluatorTypes)
    {
        var settings = Settings.FromEnvironment();
        var evaluators = evaluatorTypes.Select(type => (IEvaluator)(Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"cannot create {type}"))).ToList();
        var suite = SuiteLoader.Load(path, settings, evaluators);
        await SuiteLoader.CheckAsync(suite, settings, CancellationToken.None).ConfigureAwait(false);
        var datapoints = new List<Datapoint>();
        await foreach (var datapoint in suite.ReadDatapointsAsync().ConfigureAwait(false))
        {
            datapoints.Add(datapoint);
        }

        var session = new EvalSession(key, suite, datapoints, settings);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => session.Finish();
        return session;
    }

    public Datapoint Datapoint(string id) => _byId.TryGetValue(id, out var datapoint)
        ? datapoint
        : throw new InvalidOperationException($"suite '{Suite.Name}' has no datapoint '{id}' any more; run discovery again");

    /// <summary>
    /// The decision of a datapoint × model config that the suite generates: the first case starts the whole suite at its
    /// own concurrency; every case then waits for its own trials (<c>run.repeat</c>), or for the run to end without them.
    /// </summary>
    public async Task<DatapointDecision> GeneratedAsync(string id, string model, CancellationToken cancellationToken)
    {
        if (Suite.Models.Count == 0 && Datapoint(id).SuppliedLog is null)
        {
            throw new EvalFailedException($"{Suite.Name} › {id}: the suite has no model configs (models:), so nothing generates its response; pass your application's response to EvaluateAsync");
        }

        var session = await StartGeneratedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var slot = RowSlot(id, model);
        await Task.WhenAny(slot.Rows.Task, _runAll!).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!slot.Rows.Task.IsCompleted)
        {
            // Every row of the run was handed to this session before the run returned: what the slot holds is all there is.
            await _runAll!.ConfigureAwait(false);
        }

        return session.Decide(id, model, slot.Rows.Task.IsCompleted ? await slot.Rows.Task.ConfigureAwait(false) : slot.Snapshot());
    }

    /// <summary>Evaluates a supplied log once per trial (<c>run.repeat</c>): the evaluators, an LLM judge among them, run anew each time.</summary>
    public async Task<DatapointDecision> EvaluateSuppliedAsync(Datapoint datapoint, Log log, CancellationToken cancellationToken)
    {
        Task<RunSession> session;
        lock (_lock)
        {
            if (_generated)
            {
                throw new InvalidOperationException($"suite '{Suite.Name}': the suite's own generation already ran (AssertPassesAsync); use one way for all cases of a suite");
            }

            session = _session ??= _engine.StartAsync(Suite, Request, CancellationToken.None);
        }

        var started = await session.ConfigureAwait(false);
        var rows = new List<Row>(Suite.Options.Repeat);
        for (var trial = 1; trial <= Suite.Options.Repeat; trial++)
        {
            rows.Add(await started.EvaluateTrialAsync(datapoint, log, trial, cancellationToken).ConfigureAwait(false));
            Interlocked.Increment(ref _suppliedRows);
        }

        return started.Decide(datapoint.Id, log.ModelConfig, rows);
    }

    /// <summary>
    /// Completes the run for the aggregate case: a generated run finishes its rows first (the aggregate case starts it
    /// when no datapoint case did), then the session decides the verdict and writes run.json.
    /// </summary>
    public async Task<RunResult> CompleteAsync(bool generate, CancellationToken cancellationToken)
    {
        Task<RunSession>? session;
        lock (_lock)
        {
            session = _session;
        }

        if (session is null && generate)
        {
            session = StartGeneratedAsync();
        }

        if (session is null || (!_generated && Volatile.Read(ref _suppliedRows) == 0))
        {
            throw new EvalFailedException(OrdererRegistered()
                ? $"{Suite.Name} › aggregate thresholds: no datapoint case of the suite ran before it (a test filter left them out?), so there are no rows to aggregate; run the suite's datapoint cases with it."
                : $"{Suite.Name} › aggregate thresholds: no datapoint of the suite has run yet. When the test supplies its own responses, "
                    + "the aggregate case must run last: add [assembly: TestCaseOrderer(typeof(EvalRunner.Xunit.EvalCaseOrderer))] to the test project.");
        }

        var started = await session.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_runAll is { } runAll)
        {
            await runAll.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await started.CompleteAsync(verdictWarning: null).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<RunSession> StartGeneratedAsync()
    {
        lock (_lock)
        {
            if (_session is not null && !_generated)
            {
                throw new InvalidOperationException($"suite '{Suite.Name}': a test already supplied its own responses (EvaluateAsync); use AssertPassesAsync or EvaluateAsync for all cases of a suite, not both");
            }

            _generated = true;
            return _session ??= StartAndRunAllAsync();
        }

        async Task<RunSession> StartAndRunAllAsync()
        {
            var session = await _engine.StartAsync(Suite, Request, CancellationToken.None).ConfigureAwait(false);
            _runAll = Task.Run(() => session.RunAllAsync());
            return session;
        }
    }

    /// <summary>Whether <see cref="EvalCaseOrderer"/> orders the running test's cases (on its method, class, collection or assembly).</summary>
    private static bool OrdererRegistered()
    {
        var context = TestContext.Current;
        ITestCaseOrderer?[] orderers =
        [
            (context.TestMethod as ICoreTestMethod)?.TestCaseOrderer,
            (context.TestClass as ICoreTestClass)?.TestCaseOrderer,
            (context.TestCollection as ICoreTestCollection)?.TestCaseOrderer,
            (context.TestAssembly as ICoreTestAssembly)?.TestCaseOrderer,
        ];
        return orderers.Any(orderer => orderer is EvalCaseOrderer);
    }

    /// <summary>
    /// Passes or fails a datapoint × model config as the run session decided it: by its one row, or in a repeated run
    /// by the k-of-n rule over its trials (<c>run.min_passes</c> of <c>run.repeat</c>), naming the trials that did not
    /// pass; a datapoint the run ended without fails with the run's reason.
    /// </summary>
    public void AssertDecision(DatapointDecision decision)
    {
        _asserted.TryAdd((decision.DatapointId, decision.ModelConfig), 0);
        if (decision.NotRun)
        {
            throw new EvalFailedException(_settings.Redact($"{Suite.Name} › {decision.DatapointId} [{decision.ModelConfig}]: {decision.Why ?? "not run"}"));
        }

        var rows = decision.Trials;
        if (rows.Count == 1 && Suite.Options.Repeat == 1)
        {
            AssertRow(rows[0], decision.FailsRun);
            return;
        }

        foreach (var row in rows)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(ResultsStore.RowText(row, _settings));
        }

        var first = rows[0];
        if (decision.NeedsLiveRun)
        {
            throw new NeedsLiveRunException(_settings.Redact($"{Suite.Name} › {first.DatapointId} [{first.ModelConfig}]: needs a live run, no trial is in the response cache ({first.Error?.Message})"));
        }

        if (!decision.FailsRun)
        {
            return;
        }

        var message = new StringBuilder();
        message.AppendLine(CultureInfo.InvariantCulture,
            $"{Suite.Name} › {first.DatapointId} [{first.ModelConfig}]: {decision.Outcome!.Value.ToString().ToUpperInvariant()}: {decision.Passed} of {rows.Count} trials passed, fewer than min_passes {decision.MinPasses}{(decision.Why is { } missing ? $" ({missing})" : string.Empty)}");
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

    private void AssertRow(Row row, bool failsRun)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(ResultsStore.RowText(row, _settings));
        if (row.NeedsLiveRun)
        {
            // Replay mode without the call in the cache: not measured, so neither passed nor failed.
            throw new NeedsLiveRunException(_settings.Redact($"{Suite.Name} › {row.DatapointId} [{row.ModelConfig}]: needs a live run ({row.Error?.Message})"));
        }

        if (!failsRun)
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

        // Datapoints the run decided against it fail their own cases; this case fails for every other reason of the
        // verdict, and for such datapoints whose case did not run before it (a filter left it out).
        var reasons = result.ReasonsBeyondDatapoints;
        var unshown = result.ExitCode == 0 ? [] : Unshown();
        if (reasons.Count > 0 || unshown.Count > 0)
        {
            throw new EvalFailedException(_settings.Redact(
                $"{Suite.Name} › aggregate thresholds: {result.Verdict.ToString().ToUpperInvariant()}\n"
                + string.Join('\n', reasons.Select(r => $"  - {r.Message}"))
                + string.Concat(unshown.Select(d => $"\n  - {Suite.Name} › {d.DatapointId} [{d.ModelConfig}]: {d.Outcome.ToString()!.ToUpperInvariant()}, and its test case did not run before this one"))
                + string.Concat(result.Aggregates.Where(a => !a.Passed).Select(a => $"\n  - {a.Rule} [{a.ModelConfig}] was {ReportValues.WithInterval(a)}{(a.CoverageProblem is { } problem ? $" ({problem})" : string.Empty)}"))
                + $"\n{result.Rows} rows: {result.Passed} passed, {result.Failed} failed, {result.Errors} errors"));
        }

        // Not decided (replay mode measured less than run.min_measured): skipped, never passed.
        if (result.Verdict == Verdict.Unmeasured)
        {
            throw new NeedsLiveRunException(_settings.Redact(result.Reason));
        }
    }

    /// <summary>The datapoints decided against the run whose own case has not read its decision, by model config and id.</summary>
    private List<DatapointDecision> Unshown()
    {
        var session = _session!.Result;
        return [.. _rows.Where(entry => !_asserted.ContainsKey(entry.Key))
            .Select(entry => session.Decide(entry.Key.Id, entry.Key.Model, entry.Value.Snapshot()))
            .Where(decision => decision.FailsRun)
            .OrderBy(decision => decision.ModelConfig, StringComparer.Ordinal)
            .ThenBy(decision => decision.DatapointId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// At the end of the test process: completes a run the aggregate case did not complete, and when datapoint cases
    /// ran but the aggregate case did not (a filter left it out), says so: in the output, and as a warning that the
    /// session writes into run.json with the verdict, for the summary.
    /// </summary>
    private void Finish()
    {
        Task<RunSession>? session;
        lock (_lock)
        {
            session = _session;
        }

        if (session is not { IsCompletedSuccessfully: true })
        {
            return;
        }

        // The process is exiting, and its exit event is synchronous: a generated run finishes the rows it started
        // (they are paid for), and the session writes run.json once.
        try
        {
            _runAll?.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The cases waiting on the run showed its error.
        }

        string? warning = null;
        try
        {
            session.Result.CompleteAsync(verdictWarning: result => Volatile.Read(ref _aggregatesChecked) == 1 ? null : warning =
                $"the '{Suite.Name} › aggregate thresholds' test case did not run (a test filter left it out), so no test case checked the aggregate thresholds; "
                + $"the run's verdict, with them, is {result.Verdict.ToString().ToLowerInvariant()}: {result.Reason}").GetAwaiter().GetResult();
        }
        catch (ResultsWriteException ex)
        {
            warning = $"{warning ?? $"the run of '{Suite.Name}' was not completed"} (and run.json could not be written: {ex.Message})";
        }

        if (warning is not null)
        {
            // The test platform has stopped capturing by now: this reaches the console of `dotnet test`.
            Console.Error.WriteLine(_settings.Redact($"warning: EvalRunner: {warning}"));
        }
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

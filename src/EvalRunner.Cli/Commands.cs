using EvalRunner.Caching;
using EvalRunner.Datasets;
using EvalRunner.GitHub;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using Spectre.Console;

namespace EvalRunner.Cli;

/// <summary>The commands: translate arguments to engine calls and results to the console and an exit code.</summary>
internal static class Commands
{
    public static async Task<int> ValidateAsync(IReadOnlyList<string> paths, bool allowOutsidePaths, Settings settings, CancellationToken cancellationToken, bool live = false, string cacheDirectory = ".evalrunner/cache")
    {
        var exit = ExitCodes.Passed;
        // Read only: the MCP servers' tool lists that live runs kept.
        await using var cache = new FileResponseCache(cacheDirectory, CacheMode.ReadOnly, settings: settings);
        foreach (var path in paths)
        {
            try
            {
                var suite = SuiteLoader.Load(path, new SuiteLoadOptions { Settings = settings, AllowOutsidePaths = allowOutsidePaths });
                var count = await SuiteLoader.CheckAsync(suite, settings, null, cancellationToken);
                var notes = await SuiteLoader.CheckMcpToolNamesAsync(suite, settings, cache, live, cancellationToken);

                var datapoints = count.Supplied == 0
                    ? $"{count.Datapoints} datapoints × {suite.Models.Count} model configs"
                    : count.Supplied == count.Datapoints
                        ? $"{count.Datapoints} supplied responses"
                        : $"{count.Datapoints - count.Supplied} datapoints × {suite.Models.Count} model configs and {count.Supplied} supplied responses";
                AnsiConsole.MarkupLine(
                    $"[green]✓[/] {Markup.Escape(path)}: suite '{Markup.Escape(suite.Name)}', {datapoints}, "
                    + $"{suite.Evaluators.Count} evaluators, {suite.Thresholds.Count} thresholds");
                foreach (var warning in (await suite.UnknownExternalIdWarningsAsync(cancellationToken)).Concat(suite.ExternalTieWarnings()).Concat(suite.UnusedEvaluatorWarnings()))
                {
                    AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
                }

                foreach (var note in notes)
                {
                    AnsiConsole.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
                }
            }
            catch (EvalRunnerException ex)
            {
                PrintError(ex, settings);
                exit = ExitCodes.Invalid;
            }
        }

        return exit;
    }

    public static async Task<int> RunAsync(RunCommand command, Settings settings, CancellationToken cancellationToken)
    {
        if (command.Otlp is not null && Telemetry.OtlpExportOptions.From(command.Otlp, null, settings, out var otlpProblem) is null)
        {
            PrintError(otlpProblem!);
            return ExitCodes.Invalid;
        }

        var suites = new List<Suite>();
        var outDirectory = command.OutDirectory;
        var concurrency = command.Concurrency;
        var filter = command.Filter;
        try
        {
            // Every suite is checked before the first one spends anything.
            foreach (var path in command.Suites)
            {
                // --repeat applies to the suite as loaded, so that a dry run counts its trials too.
                var loaded = new RunRequest { OutputDirectory = outDirectory, Repeat = command.Repeat }.Apply(
                    SuiteLoader.Load(path, new SuiteLoadOptions { Settings = settings, AllowOutsidePaths = command.AllowOutsidePaths }));
                if (ModelOverride.Apply(loaded, command.Models, out var problem) is not { } suite)
                {
                    PrintError(settings.Redact($"{path}: {problem}"));
                    return ExitCodes.Invalid;
                }

                suites.Add(suite);
            }

            // The whole dataset of every suite, counted with the datapoints the run will select: each run then reuses the
            // count instead of reading its dataset again.
            SuiteLoader.CheckDistinctFolders(suites);
            var selection = new RunRequest { OutputDirectory = outDirectory, Filter = filter, Shard = command.Shard }.Selection;
            foreach (var suite in suites)
            {
                await SuiteLoader.CheckAsync(suite, settings, selection, cancellationToken);
            }

            if (command.DryRun)
            {
                foreach (var suite in suites)
                {
                    var estimate = await RunEngine.EstimateAsync(suite, selection, cancellationToken);
                    Console.WriteLine(
                        $"{suite.Name}: {estimate.GenerationCalls} generation calls, {estimate.JudgeCalls} judge calls (more if judges retry), "
                        + $"about {estimate.InputTokens:N0} input and {estimate.OutputTokens:N0} output tokens, about {ValueText.Usd(estimate.CostUsd)}"
                        + (estimate.UnpricedCalls > 0 ? $" plus {estimate.UnpricedCalls} calls to models without a price" : string.Empty)
                        + "; nothing was called");
                }

                return ExitCodes.Passed;
            }
        }
        catch (EvalRunnerException ex)
        {
            PrintError(ex, settings);
            return ExitCodes.Invalid;
        }

        var mode = command.Cache switch
        {
            "read-only" => CacheMode.ReadOnly,
            "replay" => CacheMode.Replay,
            "off" => CacheMode.Off,
            _ => CacheMode.ReadWrite,
        };
        // Disposed when the run ends: the cache files it added to are rewritten sorted, for git.
        await using var cache = mode == CacheMode.Off ? null : new FileResponseCache(command.CacheDirectory, mode, command.CacheTtl, settings: settings);

        var engine = new RunEngine(settings);
        var results = new List<RunResult>();
        foreach (var suite in suites)
        {
            var directory = ResultsStore.SuiteDirectory(outDirectory, suite.Name);
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(suite.Name)}[/] [grey]({Markup.Escape(suite.Path)} → {Markup.Escape(directory)})[/]");
            using var export = Telemetry.TelemetryExport.Start(Telemetry.OtlpExportOptions.From(command.Otlp, suite.Export, settings, out _), suite, settings, Console.WriteLine);
            try
            {
                var progress = new ConsoleProgress();
                var request = new RunRequest { OutputDirectory = directory, Concurrency = concurrency, Repeat = command.Repeat, Filter = filter, Observer = progress, Cache = cache, Resume = command.Resume, ResumeAnyway = command.ResumeAnyway, Baseline = command.Baseline, Shard = command.Shard, RowWritten = export is null ? null : export.Written };
                var result = await engine.RunAsync(suite, request, cancellationToken);
                progress.Finish();
                ConsoleReport.Print(result);
                if (export is not null)
                {
                    Console.WriteLine(export.Finish());
                }

                results.Add(result);
            }
            catch (EvalRunnerException ex)
            {
                PrintError(ex, settings);
                return ExitCodes.Invalid;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        if (results.Count > 0 && !await WriteSummaryAsync(results, outDirectory, settings))
        {
            return ExitCodes.Invalid;
        }

        return ExitCodes.For(results);
    }

    /// <summary>
    /// <c>evalrunner merge DIR... --out OUT</c>: each suite's shards joined into OUT/&lt;suite&gt;/ and decided as one run,
    /// then reported as <c>run</c> reports.
    /// </summary>
    public static async Task<int> MergeAsync(IReadOnlyList<string> directories, string outDirectory, string? baseline, Settings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<RunResult> results;
        IReadOnlyList<string> unmerged;
        try
        {
            (results, unmerged) = await ShardMerge.MergeAsync(directories, outDirectory, baseline, settings, TimeProvider.System, cancellationToken);
        }
        catch (EvalRunnerException ex)
        {
            PrintError(ex, settings);
            return ExitCodes.Invalid;
        }

        foreach (var result in results)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.Suite)}[/] [grey](merged from {result.MergedShards ?? 0} shards → {Markup.Escape(result.OutputDirectory)})[/]");
            ConsoleReport.Print(result);
        }

        foreach (var problem in unmerged)
        {
            PrintError(settings.Redact(problem));
        }

        if (results.Count > 0 && !await WriteSummaryAsync(results, outDirectory, settings))
        {
            return ExitCodes.Invalid;
        }

        return unmerged.Count > 0 ? ExitCodes.Invalid : ExitCodes.For(results);
    }

    /// <summary>
    /// The whole Markdown summary of every suite of this invocation (OUT/summary.md), for people and for a later
    /// <c>report --github</c>; and, in GitHub Actions, the GitHub report. False when the summary cannot be written.
    /// </summary>
    private static async Task<bool> WriteSummaryAsync(IReadOnlyList<RunResult> results, string outDirectory, Settings settings)
    {
        // Never cut, since it is what a cut job summary or comment points to (in the results artifact).
        var reports = results.Select(r => new RunReport { Run = r, Directory = r.OutputDirectory }).ToList();
        var summary = Path.Combine(outDirectory, "summary.md");
        try
        {
            await AtomicFile.WriteAllTextAsync(summary, settings.Redact(MarkdownReport.Render(reports, summary, int.MaxValue)), CancellationToken.None);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            PrintError(new ResultsWriteException(summary, ex), settings);
            return false;
        }

        AnsiConsole.MarkupLine($"[grey]summary: {Markup.Escape(summary)}[/]");
        if (settings.Get("GITHUB_ACTIONS") == "true" && settings.Get("EVALRUNNER_GITHUB") != "off")
        {
            await new GitHubReporter(settings, Console.Out).ReportAsync(reports, new GitHubOptions { ResultsDirectory = outDirectory, SummaryPath = summary }, CancellationToken.None);
        }

        return true;
    }

    public static async Task<int> ReportAsync(ReportRequest request, Settings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<RunReport> reports;
        try
        {
            reports = await RunReport.ReadAllAsync(request.Directories, settings, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or System.Text.Json.JsonException)
        {
            PrintError(ex.Message);
            return ExitCodes.Invalid;
        }
        catch (EvalRunnerException ex)
        {
            PrintError(ex, settings);
            return ExitCodes.Invalid;
        }

        if (request.Baseline is { } baseline)
        {
            try
            {
                var compared = new List<RunReport>();
                foreach (var report in reports)
                {
                    var comparison = await CompareCommand.CompareAsync(report.Run, baseline, null, settings, cancellationToken);
                    compared.Add(report with { Run = EvalRunner.Comparisons.BaselineGate.Apply(report.Run, comparison) });
                }

                reports = compared;
            }
            catch (System.Text.Json.JsonException ex)
            {
                PrintError(settings.Redact(ex.Message));
                return ExitCodes.Invalid;
            }
        }

        if (request.Since is { } since)
        {
            try
            {
                var now = TimeProvider.System.GetUtcNow();
                reports = [.. reports.Select(r => r.Since(since, now, settings))];
            }
            catch (EvalRunnerException ex)
            {
                PrintError(ex, settings);
                return ExitCodes.Invalid;
            }
        }

        var text = settings.Redact(request.Format switch
        {
            "html" => HtmlReport.Render(reports),
            "junit" => JunitReport.Render(reports),
            // The whole summary: GitHub's limits apply to what --github writes to GitHub, not to this file, which the
            // Action keeps in the results artifact that a cut comment or job summary points to.
            _ => MarkdownReport.Render(reports, request.OutFile ?? request.Directories[0], int.MaxValue),
        });
        if (request.OutFile is not null)
        {
            try
            {
                await AtomicFile.WriteAllTextAsync(request.OutFile, text, cancellationToken);
            }
            catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
            {
                PrintError(settings.Redact($"{request.OutFile}: cannot write the report: {ex.Message}"));
                return ExitCodes.Invalid;
            }
        }
        else if (!request.Github)
        {
            Console.Out.Write(text);
        }

        if (request.Github)
        {
            await new GitHubReporter(settings, Console.Out).ReportAsync(
                reports,
                new GitHubOptions { Comment = request.Comment, CommentAuthor = request.CommentAuthor, ResultsDirectory = request.Directories[0], SummaryPath = request.OutFile },
                cancellationToken);
        }

        return request.FailOnThresholds ? ExitCodes.For(reports.Select(r => r.Run)) : ExitCodes.Passed;
    }

    public static async Task<int> WatchAsync(WatchRequest request, Settings settings, CancellationToken cancellationToken)
    {
        EvalRunner.Online.OnlineMonitor monitor;
        Suite suite;
        OpenTelemetry.Metrics.MeterProvider? metrics = null;
        Telemetry.TelemetryExport? export = null;
        try
        {
            suite = SuiteLoader.Load(request.Suite, new SuiteLoadOptions { Settings = settings, AllowOutsidePaths = request.AllowOutsidePaths });
            var otlp = Telemetry.OtlpExportOptions.From(request.Otlp, suite.Export, settings, out var otlpProblem);
            if (otlpProblem is not null)
            {
                PrintError(otlpProblem);
                return ExitCodes.Invalid;
            }

            await SuiteLoader.CheckAsync(suite, settings, cancellationToken);
            var directory = ResultsStore.SuiteDirectory(request.OutDirectory, suite.Name);
            // Listening before the watcher starts: the rules' gauges of the rows it reads back are recorded. With an
            // OTLP endpoint the same metrics also go there, beside the evaluation events.
            metrics = Online.WatchTelemetry.CreateMeterProvider(new Online.WatchTelemetryOptions
            {
                ScrapeOnListener = request.Listen is not null,
                MetricsEndpoint = request.Metrics,
                Exporters = otlp is null ? [] : [builder => OpenTelemetry.Metrics.OtlpMetricExporterExtensions.AddOtlpExporter(builder, (options, _) => otlp.Apply(options, Telemetry.OtlpExportOptions.Metrics))],
            });
            export = Telemetry.TelemetryExport.Start(otlp, suite, settings, Console.WriteLine);
            monitor = await EvalRunner.Online.OnlineMonitor.StartAsync(new RunEngine(settings), suite, directory, Console.WriteLine, cancellationToken, shard: request.Shard, rowWritten: export is null ? null : export.Written);
        }
        catch (EvalRunnerException ex)
        {
            metrics?.Dispose();
            export?.Dispose();
            PrintError(ex, settings);
            return ExitCodes.Invalid;
        }

        using var exporting = export;
        using (metrics)
        using (monitor)
        {
            Online.LogListener? listener = null;
            try
            {
                if (request.Listen is { } options)
                {
                    // Pushed logs are read as the suite's dataset rows are: its field mapping applies to them too.
                    var source = suite.Sources.FirstOrDefault(s => s.Path is not null);
                    listener = await Online.LogListener.StartAsync(options with { Metrics = metrics }, monitor, source is null ? null : (row, at) => Dataset.ParseRow(row, at, source), cancellationToken);
                }
            }
            catch (IOException ex)
            {
                // Kestrel's "address already in use" and friends.
                Console.Error.WriteLine(settings.Redact($"error: --listen {request.Listen!.Endpoint}: {ex.Message}"));
                return ExitCodes.Invalid;
            }

            await using (listener)
            {
                var sources = string.Join(" and ", new[] { request.Logs, listener is null ? null : $"{listener.Address}logs, {listener.Address}v1/traces" }.OfType<string>());
                var events = listener is null ? string.Empty : $", GenAI log events on {listener.Address}v1/logs";
                var scrapes = new[] { listener is null ? null : $"{listener.Address}metrics", request.Metrics is { } endpoint ? $"http://{Online.WatchTelemetry.Format(endpoint)}/metrics" : null }.OfType<string>().ToList();
                if (scrapes.Count > 0)
                {
                    Console.WriteLine($"metrics for Prometheus on {string.Join(" and ", scrapes)}");
                }

                var shard = request.Shard is { } part ? $", shard {part} of the files' logs" : string.Empty;
                var exported = export is null ? string.Empty : $"; evaluation events to {export.Destination}";
                Console.WriteLine(settings.Redact($"watching {sources} with suite '{suite.Name}'{shard} → {ResultsStore.SuiteDirectory(request.OutDirectory, suite.Name)}{events}{exported} (Ctrl-C stops)"));
                try
                {
                    var result = await monitor.WatchAsync(request.Logs, request.Poll, cancellationToken);
                    var others = request.Shard is null ? string.Empty : $", {monitor.OtherShards} logs left to the other shards";
                    Console.WriteLine($"watch stopped: {monitor.Evaluated} logs evaluated this time, {monitor.Malformed} malformed lines skipped{others}; {result.Rows} rows in {result.OutputDirectory}");
                    if (export is not null)
                    {
                        Console.WriteLine(export.Finish());
                    }

                    return ExitCodes.Passed;
                }
                catch (EvalRunnerException ex)
                {
                    PrintError(ex, settings);
                    return ExitCodes.Invalid;
                }
            }
        }
    }

    public static async Task<int> BaselineFetchAsync(BaselineRequest request, Settings settings, CancellationToken cancellationToken)
    {
        BaselineFetch fetch;
        try
        {
            fetch = await new BaselineArtifact(settings).FetchAsync(request, cancellationToken);
        }
        catch (EvalRunnerException ex)
        {
            PrintError($"{settings.Redact(ex.Message)}. No baseline was kept.");
            return ExitCodes.Invalid;
        }

        switch (fetch.Outcome)
        {
            case BaselineOutcome.Found:
                var baseline = fetch.Baseline!;
                Console.WriteLine(settings.Redact(
                    $"baseline: the {baseline.Artifact.Name} artifact of {baseline.Branch} at {baseline.Commit[..Math.Min(7, baseline.Commit.Length)]} "
                    + $"({baseline.RunUrl}, {baseline.CreatedAt.ToUniversalTime():yyyy-MM-dd HH:mm} UTC) → {fetch.Directory}"));
                break;
            case BaselineOutcome.None:
                Console.WriteLine(settings.Redact($"no baseline: {fetch.Reason}. The evaluation runs without a comparison."));
                break;
            default:
                Console.WriteLine(WorkflowCommand.Warning(settings.Redact($"EvalRunner: no baseline: {fetch.Reason}. The evaluation runs without a comparison.")));
                break;
        }

        return ExitCodes.Passed;
    }

    private static readonly IAnsiConsole Errors = CreateErrorConsole();

    private static IAnsiConsole CreateErrorConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            // Logs are read whole: an error message must not be wrapped at an imagined terminal width.
            console.Profile.Width = 1000;
        }

        return console;
    }

    /// <summary>
    /// The last resort for a fault no check foresaw: one line naming what failed, no stack trace, exit code 2 (never 1,
    /// which means "thresholds failed"). Rows already written stay in the results folder.
    /// </summary>
    public static int LastResort(Exception exception, Settings settings, TextWriter error)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null && messages.Count < 3; current = current.InnerException)
        {
            if (!string.IsNullOrWhiteSpace(current.Message) && !messages.Contains(current.Message))
            {
                messages.Add(current.Message.ReplaceLineEndings(" ").Trim());
            }
        }

        error.WriteLine(settings.Redact(
            $"error: EvalRunner stopped on an unexpected fault: {string.Join(": ", messages)}. Rows already finished are in the results folder; "
            + "if the input looks right, please report this with the command you ran."));
        return ExitCodes.Invalid;
    }

    public static void PrintError(EvalRunnerException exception, Settings settings) => PrintError(settings.Redact(exception.Message));

    public static void PrintError(string message) => Errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
}

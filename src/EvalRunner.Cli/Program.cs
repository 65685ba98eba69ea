using System.CommandLine;
using EvalRunner;
using EvalRunner.Cli;
using EvalRunner.Datasets;
using EvalRunner.Runs;

// One Settings for the process: whatever a command learns is secret is also taken out of everything it prints.
var settings = Settings.FromEnvironment();
Console.SetOut(new RedactingWriter(Console.Out, settings));
Console.SetError(new RedactingWriter(Console.Error, settings));

if (Console.IsOutputRedirected)
{
    // CI logs have no width: keep tables and messages unwrapped.
    Spectre.Console.AnsiConsole.Profile.Width = 200;
}

var suitesArgument = new Argument<string[]>("suite") { Description = "Suite files (*.eval.yaml)", Arity = ArgumentArity.OneOrMore };
var outOption = new Option<string>("--out", "-o") { Description = "Results directory; each suite writes DIR/<suite name>/", DefaultValueFactory = _ => "evalrunner-results" };
var concurrencyOption = new Option<int?>("--concurrency", "-c") { Description = "Generations at once (overrides run.concurrency)" };
var repeatOption = new Option<int?>("--repeat") { Description = "Trials of each datapoint x model config, 1 to 1000 (overrides run.repeat)" };
var filterOption = new Option<string[]>("--filter", "-f") { Description = "Only datapoints with this id, or tag:NAME (repeatable)", AllowMultipleArgumentsPerToken = false };

var cacheOption = new Option<string>("--cache") { Description = "Response cache: read-write, read-only, replay (no network: misses are errors), off", DefaultValueFactory = _ => "read-write" };
cacheOption.AcceptOnlyFromAmong("read-write", "read-only", "replay", "off");
var cacheDirOption = new Option<string>("--cache-dir") { Description = "Cache directory: JSON lines in 16 files (responses-0.jsonl to responses-f.jsonl), sorted by key, meant to be committed", DefaultValueFactory = _ => ".evalrunner/cache" };
var cacheTtlOption = new Option<string?>("--cache-ttl") { Description = "Entries older than this are misses: 12h, 7d" };
var resumeOption = new Option<string?>("--resume") { Description = "Continue the interrupted run in this results directory: finished rows are kept, only the rest run" };
var dryRunOption = new Option<bool>("--dry-run") { Description = "Print the calls, tokens and cost a run would need, calling nothing" };
var resumeAnywayOption = new Option<bool>("--resume-anyway") { Description = "With --resume: keep the finished rows even when the suite or its files changed since the interrupted run" };
var modelOption = new Option<string[]>("--model", "-m") { Description = "NAME=MODEL: generate model config NAME with MODEL; a NAME the suite lacks is added as a copy of its first model config (repeatable, to compare side by side)", AllowMultipleArgumentsPerToken = false };
var allowOutsideOption = new Option<bool>("--allow-outside-paths") { Description = "Allow datasets, Python, scores and schema files outside the suite's repository (its git work tree, else its folder)" };
var baselineOption = new Option<string?>("--baseline") { Description = "A baseline's results directory (an earlier run, or a folder of runs paired by suite name): decide the regression rules against it (overrides baseline.source)" };
var shardOption = new Option<string?>("--shard") { Description = "Run only shard I of N (e.g. 1/3): the datapoints whose id hashes to it, with every model config and trial; join the shards with `evalrunner merge`" };
var otlpOption = new Option<string?>("--otlp") { Description = "Send each evaluation as an OpenTelemetry gen_ai.evaluation.result event to this OTLP/HTTP endpoint (http://localhost:4318; /v1/logs is added); overrides the suite's export:" };
var run = new Command("run", "Run suites: generate, evaluate, decide; write results.jsonl and run.json")
{
    suitesArgument, outOption, concurrencyOption, repeatOption, filterOption, cacheOption, cacheDirOption, cacheTtlOption, resumeOption, resumeAnywayOption, dryRunOption, modelOption, allowOutsideOption, baselineOption, shardOption, otlpOption,
};
run.SetAction(async (parse, cancellationToken) =>
{
    var concurrency = parse.GetValue(concurrencyOption);
    if (concurrency is < 1)
    {
        return Fail("--concurrency must be at least 1");
    }

    var repeat = parse.GetValue(repeatOption);
    if (repeat is < 1 or > EvalRunner.Suites.RunOptions.MaxRepeat)
    {
        return Fail($"--repeat must be a whole number from 1 to {EvalRunner.Suites.RunOptions.MaxRepeat}, not {repeat}");
    }

    TimeSpan? ttl = null;
    if (parse.GetValue(cacheTtlOption) is { } ttlText)
    {
        ttl = Durations.Parse(ttlText);
        if (ttl is null)
        {
            return Fail($"--cache-ttl '{ttlText}' is not a duration such as 12h or 7d");
        }
    }

    var filter = parse.GetValue(filterOption) is { Length: > 0 } terms ? new DatapointFilter { Terms = terms } : null;
    Shard? shard = null;
    if (parse.GetValue(shardOption) is { } shardText && (shard = Shard.Parse(shardText, out var shardProblem)) is null)
    {
        return Fail(shardProblem!);
    }

    var resume = parse.GetValue(resumeOption);
    if (parse.GetValue(resumeAnywayOption) && resume is null)
    {
        return Fail("--resume-anyway needs --resume DIR");
    }

    var models = new List<EvalRunner.Suites.ModelOverride>();
    foreach (var text in parse.GetValue(modelOption) ?? [])
    {
        if (EvalRunner.Suites.ModelOverride.Parse(text, out var problem) is not { } model)
        {
            return Fail(problem!);
        }

        models.Add(model);
    }

    return await Commands.RunAsync(
        new RunCommand
        {
            Models = models,
            Suites = parse.GetValue(suitesArgument)!,
            OutDirectory = resume ?? parse.GetValue(outOption)!,
            Concurrency = concurrency,
            Repeat = repeat,
            Filter = filter,
            Cache = parse.GetValue(cacheOption)!,
            CacheDirectory = parse.GetValue(cacheDirOption)!,
            CacheTtl = ttl,
            Resume = resume is not null,
            ResumeAnyway = parse.GetValue(resumeAnywayOption),
            DryRun = parse.GetValue(dryRunOption),
            AllowOutsidePaths = parse.GetValue(allowOutsideOption),
            Baseline = parse.GetValue(baselineOption),
            Shard = shard,
            Otlp = parse.GetValue(otlpOption),
        },
        settings,
        cancellationToken);
});

var olderThanOption = new Option<string>("--older-than") { Description = "Delete entries stored longer ago than this: 30d, 12h", DefaultValueFactory = _ => "30d" };
var prune = new Command("prune", "Delete old entries of the response cache") { cacheDirOption, olderThanOption };
prune.SetAction(parse =>
{
    var olderThan = Durations.Parse(parse.GetValue(olderThanOption)!);
    if (olderThan is null)
    {
        return Fail($"--older-than '{parse.GetValue(olderThanOption)}' is not a duration such as 12h or 30d");
    }

    var removed = new EvalRunner.Caching.FileResponseCache(parse.GetValue(cacheDirOption)!, EvalRunner.Caching.CacheMode.ReadWrite).Prune(olderThan.Value);
    Console.WriteLine($"removed {removed} cache entries older than {parse.GetValue(olderThanOption)} from {parse.GetValue(cacheDirOption)}");
    return 0;
});
var cache = new Command("cache", "The response cache") { prune };

var liveOption = new Option<bool>("--live") { Description = "Also start the suites' MCP servers, list their tools, and check the tool names of tool_results and expected_tool_calls against them" };
var validate = new Command("validate", "Check suites and their datasets without generating anything; the tool names of MCP servers are checked against the tool lists that live runs kept with the cache, or live with --live") { suitesArgument, allowOutsideOption, liveOption, cacheDirOption };
validate.SetAction(async (parse, cancellationToken) => await Commands.ValidateAsync(parse.GetValue(suitesArgument)!, parse.GetValue(allowOutsideOption), settings, cancellationToken, parse.GetValue(liveOption), parse.GetValue(cacheDirOption)!));

var directoryArgument = new Argument<string[]>("results") { Description = "A results directory (--out of `run`, or one suite's folder); several (the results of the watchers of watch --shard I/N) are joined into one report per suite", Arity = ArgumentArity.OneOrMore };
var formatOption = new Option<string>("--format") { Description = "markdown, html or junit", DefaultValueFactory = _ => "markdown" };
formatOption.AcceptOnlyFromAmong("markdown", "html", "junit");
var reportOutOption = new Option<string?>("--out", "-o") { Description = "Write the report to this file (default: standard output)" };
var githubOption = new Option<bool>("--github") { Description = "Also write the step summary, outputs, annotations and PR comments (in GitHub Actions)" };
var commentOption = new Option<string>("--comment") { Description = "PR comments: update (one per suite, edited in place), new, or off", DefaultValueFactory = _ => "update" };
commentOption.AcceptOnlyFromAmong("update", "new", "off");
var commentAuthorOption = new Option<string?>("--comment-author") { Description = "With --github: the login whose comments are edited in place (an app's bot, e.g. my-app[bot]); default: EVALRUNNER_COMMENT_AUTHOR, else the token's user, else github-actions[bot]" };
var failOnOption = new Option<string>("--fail-on") { Description = "thresholds: exit 1 when a run failed; never: exit 0", DefaultValueFactory = _ => "never" };
failOnOption.AcceptOnlyFromAmong("thresholds", "never");
var sinceOption = new Option<string?>("--since") { Description = "Only the logs of the last DURATION (1h, 30m, 7d) of a watch's results, decided again by the suite's thresholds" };
var reportBaselineOption = new Option<string?>("--baseline") { Description = "Compare with this baseline's results directory and show the comparison (regression rules, flips, new and removed datapoints)" };
var report = new Command("report", "Render a results directory (or several joined: the watchers of one suite's shards) as Markdown, HTML or JUnit XML; --github reports to GitHub") { directoryArgument, formatOption, reportOutOption, githubOption, commentOption, commentAuthorOption, failOnOption, sinceOption, reportBaselineOption };
report.SetAction(async (parse, cancellationToken) =>
{
    TimeSpan? since = null;
    if (parse.GetValue(sinceOption) is { } sinceText && (since = Durations.Parse(sinceText)) is null)
    {
        return Fail($"--since '{sinceText}' is not a duration such as 1h, 30m or 7d");
    }

    return await Commands.ReportAsync(
        new ReportRequest(parse.GetValue(directoryArgument)!, parse.GetValue(formatOption)!, parse.GetValue(reportOutOption), parse.GetValue(githubOption), parse.GetValue(commentOption)!, parse.GetValue(failOnOption) == "thresholds", parse.GetValue(commentAuthorOption), since, parse.GetValue(reportBaselineOption)),
        settings,
        cancellationToken);
});

var watchSuiteArgument = new Argument<string>("suite") { Description = "The suite file (*.eval.yaml) whose evaluators and thresholds score the logs" };
var logsOption = new Option<string>("--logs") { Description = "JSONL log files to follow: a path or a file-name pattern (logs/app*.jsonl)" };
var listenOption = new Option<string>("--listen") { Description = "Accept logs pushed over HTTP on this address (127.0.0.1:8080): POST /logs (JSON, JSONL) and OTLP/HTTP POST /v1/traces and /v1/logs" };
var listenTokenOption = new Option<string>("--listen-token-env") { Description = "The environment variable whose value is the bearer token every push must carry (Authorization: Bearer ...)" };
var maxBodyOption = new Option<long>("--max-body-bytes") { Description = "The largest request body the listener takes (413 above it)", DefaultValueFactory = _ => EvalRunner.Cli.Online.LogListenerOptions.DefaultMaxBodyBytes };
var watchOutOption = new Option<string>("--out", "-o") { Description = "Results directory; the suite writes DIR/<suite name>/ (rows, checkpoint, run.json)", DefaultValueFactory = _ => "evalrunner-results" };
var metricsOption = new Option<string>("--metrics") { Description = "Serve the watcher's metrics for Prometheus on GET /metrics at this address: a port (9464, on 127.0.0.1) or an address and port (0.0.0.0:9464). With --listen, GET /metrics is also on the listener" };
var pollOption = new Option<string>("--poll") { Description = "How often the files are read for new lines: 200ms, 1s", DefaultValueFactory = _ => "250ms" };
var watchShardOption = new Option<string?>("--shard") { Description = "Evaluate only shard I of N (e.g. 1/3) of the followed files' logs: those whose trace_id (else id) hashes to it, as run --shard does; N watchers over the same files evaluate each log once. Pushed logs are all taken" };
var watch = new Command("watch", "Follow production log files and logs pushed over HTTP or OpenTelemetry, and evaluate each new log once, with rolling thresholds and alerts (Ctrl-C or SIGTERM stops)") { watchSuiteArgument, logsOption, listenOption, listenTokenOption, maxBodyOption, metricsOption, watchOutOption, pollOption, allowOutsideOption, watchShardOption, otlpOption };
watch.SetAction(async (parse, cancellationToken) =>
{
    Shard? watchShard = null;
    if (parse.GetValue(watchShardOption) is { } watchShardText && (watchShard = Shard.Parse(watchShardText, out var watchShardProblem)) is null)
    {
        return Fail(watchShardProblem!);
    }

    var poll = Durations.Parse(parse.GetValue(pollOption)!);
    if (poll is null)
    {
        return Fail($"--poll '{parse.GetValue(pollOption)}' is not a duration such as 250ms or 1s");
    }

    var logs = parse.GetValue(logsOption);
    var listen = parse.GetValue(listenOption);
    if (logs is null && listen is null)
    {
        return Fail("give the logs to watch: --logs FILES, --listen ADDRESS, or both");
    }

    System.Net.IPEndPoint? metrics = null;
    if (parse.GetValue(metricsOption) is { } metricsText && (metrics = EvalRunner.Cli.Online.WatchTelemetry.ParseEndpoint(metricsText)) is null)
    {
        return Fail($"--metrics '{metricsText}' is not a port (9464) or an address and port (127.0.0.1:9464)");
    }

    EvalRunner.Cli.Online.LogListenerOptions? listener = null;
    if (listen is not null)
    {
        if (!System.Net.IPEndPoint.TryParse(listen, out var endpoint) || endpoint.Port == 0 && !listen.EndsWith(":0", StringComparison.Ordinal))
        {
            return Fail($"--listen '{listen}' is not an address and port such as 127.0.0.1:8080");
        }

        string? token = null;
        if (parse.GetValue(listenTokenOption) is { } tokenVariable && (token = settings.GetSecret(tokenVariable)) is null)
        {
            return Fail($"--listen-token-env {tokenVariable}: the variable is not set");
        }

        listener = new EvalRunner.Cli.Online.LogListenerOptions { Endpoint = endpoint, BearerToken = token, MaxBodyBytes = parse.GetValue(maxBodyOption), Notice = Console.WriteLine };
    }

    return await Commands.WatchAsync(new WatchRequest(parse.GetValue(watchSuiteArgument)!, logs, listener, parse.GetValue(watchOutOption)!, poll.Value, parse.GetValue(allowOutsideOption), watchShard, parse.GetValue(otlpOption)) { Metrics = metrics }, settings, cancellationToken);
});

var alertsSuiteArgument = new Argument<string>("suite") { Description = "The suite file (*.eval.yaml) whose online aggregate thresholds become alerting rules" };
var alertsFormatOption = new Option<string>("--format") { Description = "prometheus: a Prometheus rules file (groups:) over the metrics of `watch`", DefaultValueFactory = _ => "prometheus" };
alertsFormatOption.AcceptOnlyFromAmong("prometheus");
var alertsOutOption = new Option<string?>("--out", "-o") { Description = "Write the rules to this file (default: standard output)" };
var alertsWindowOption = new Option<string?>("--window") { Description = "The range of every rule: 1h, 30m (default: the suite's online.window when it is a duration)" };
var alertsForOption = new Option<string>("--for") { Description = "How long a rule must stay unmet before its alert fires (the rules' for:)", DefaultValueFactory = _ => "0s" };
var alertsSeverityOption = new Option<string>("--severity") { Description = "The severity label of the alerts", DefaultValueFactory = _ => EvalRunner.Online.PrometheusRulesRequest.DefaultSeverity };
var alerts = new Command("alerts", "Write the suite's online thresholds as Prometheus alerting rules over the metrics of `watch`; rules PromQL cannot express are listed on standard error") { alertsSuiteArgument, alertsFormatOption, alertsOutOption, alertsWindowOption, alertsForOption, alertsSeverityOption, allowOutsideOption };
alerts.SetAction(parse =>
{
    TimeSpan? window = null;
    if (parse.GetValue(alertsWindowOption) is { } windowText && (window = Durations.Parse(windowText)) is null)
    {
        return Fail($"--window '{windowText}' is not a duration such as 1h or 30m");
    }

    var forText = parse.GetValue(alertsForOption)!;
    if (ValueText.ParseDuration(forText) is not { } hold || hold < TimeSpan.Zero)
    {
        return Fail($"--for '{forText}' is not a duration such as 0s, 5m or 1h");
    }

    var severity = parse.GetValue(alertsSeverityOption)!;
    if (string.IsNullOrWhiteSpace(severity))
    {
        return Fail("--severity needs a value such as warning or critical");
    }

    return AlertsCommand.Run(
        new AlertsRequest { Suite = parse.GetValue(alertsSuiteArgument)!, OutFile = parse.GetValue(alertsOutOption), Window = window, For = hold, Severity = severity, AllowOutsidePaths = parse.GetValue(allowOutsideOption) },
        settings);
});

var baselineOutOption = new Option<string>("--out", "-o") { Description = "The folder (new or empty) to extract the baseline results into; DIR/baseline.json says which run they come from. Not created when there is no baseline", Required = true };
var branchOption = new Option<string?>("--branch") { Description = "The branch whose latest successful run is the baseline (default: the pull request's base branch, GITHUB_BASE_REF)" };
var workflowOption = new Option<string?>("--workflow") { Description = "The workflow file whose runs are searched, e.g. evals.yml (default: this run's workflow, from GITHUB_WORKFLOW_REF)" };
var artifactOption = new Option<string>("--artifact") { Description = "The artifact's name", DefaultValueFactory = _ => EvalRunner.GitHub.GitHubOptions.ResultsArtifact };
var baselineFetch = new Command("fetch", "Download the results artifact of the latest successful run of this workflow on the base branch (GITHUB_TOKEN needs actions: read). No baseline, or GitHub failing, is a notice or a warning and exit 0") { baselineOutOption, branchOption, workflowOption, artifactOption };
baselineFetch.SetAction(async (parse, cancellationToken) => await Commands.BaselineFetchAsync(
    new EvalRunner.GitHub.BaselineRequest { OutDirectory = parse.GetValue(baselineOutOption)!, Branch = parse.GetValue(branchOption), Workflow = parse.GetValue(workflowOption), Artifact = parse.GetValue(artifactOption)! },
    settings,
    cancellationToken));
var baseline = new Command("baseline", "The results a pull request is compared with") { baselineFetch };
var baseArgument = new Argument<string>("base") { Description = "The baseline's results directory (one run, or a folder of runs: suites are paired by name)" };
var headArgument = new Argument<string?>("head") { Description = "The results directory to compare with it (none with --models)", Arity = ArgumentArity.ZeroOrOne };
var compareModelsOption = new Option<string[]>("--models") { Description = "A B: compare model config A (base) with B (head) on the same datapoints of the one run given", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
var compareSuiteOption = new Option<string?>("--suite") { Description = "The suite whose rules decide (default: the suite file recorded in HEAD's run.json)" };
var compare = new Command("compare", "Compare a results directory with a baseline's: regression rules, flips, new and removed datapoints. Exit codes: 0 no regression, 1 a regression, 2 an error") { baseArgument, headArgument, compareSuiteOption, compareModelsOption };
compare.SetAction(async (parse, cancellationToken) =>
{
    var head = parse.GetValue(headArgument);
    if (parse.GetValue(compareModelsOption) is [var baseModel, var headModel])
    {
        if (head is not null)
        {
            return Fail($"--models compares two model configs of one run: give one results directory, not also {head}");
        }

        if (baseModel == headModel)
        {
            return Fail($"--models {baseModel} {headModel}: give two different model configs");
        }

        return await CompareCommand.RunModelsAsync(parse.GetValue(baseArgument)!, baseModel, headModel, parse.GetValue(compareSuiteOption), settings, cancellationToken);
    }

    return head is null
        ? Fail("give the results directory to compare with the baseline (compare BASE HEAD), or --models A B to compare two model configs of one run")
        : await CompareCommand.RunAsync(parse.GetValue(baseArgument)!, head, parse.GetValue(compareSuiteOption), settings, cancellationToken);
});

var shardsArgument = new Argument<string[]>("shards") { Description = "Each shard's results folder (--out of `evalrunner run --shard I/N`)", Arity = ArgumentArity.OneOrMore };
var mergeOutOption = new Option<string>("--out", "-o") { Description = "Results directory for the merged runs; each suite writes DIR/<suite name>/ as `run` does", DefaultValueFactory = _ => "evalrunner-results" };
var mergeBaselineOption = new Option<string?>("--baseline") { Description = "A baseline's results directory: decide the regression rules of the merged runs against it (overrides baseline.source)" };
var merge = new Command("merge", "Join the results of a suite's shards (run --shard I/N) into one run, decided as the whole run would be; a missing or failed shard makes the verdict an error") { shardsArgument, mergeOutOption, mergeBaselineOption };
merge.SetAction(async (parse, cancellationToken) => await Commands.MergeAsync(parse.GetValue(shardsArgument)!, parse.GetValue(mergeOutOption)!, parse.GetValue(mergeBaselineOption), settings, cancellationToken));

var agreementSuiteArgument = new Argument<string>("suite") { Description = "The suite file (*.eval.yaml) whose external evaluator holds the reviewers' scores" };
var agreementEvaluatorOption = new Option<string>("--evaluator") { Description = "The external evaluator whose scores file has a reviewer column", Required = true };
var agreementResultsOption = new Option<string?>("--results") { Description = "A run's results directory: also compare each reviewer with the run's evaluators that have a column of the same name and type (an LLM judge)" };
var agreement = new Command("agreement", "How far reviewers agree with each other and with a run's judge on the columns of an external evaluator: Cohen's kappa (quadratic weighted for integers)") { agreementSuiteArgument, agreementEvaluatorOption, agreementResultsOption, allowOutsideOption };
agreement.SetAction(async (parse, cancellationToken) => await AgreementCommand.RunAsync(
    parse.GetValue(agreementSuiteArgument)!, parse.GetValue(agreementEvaluatorOption)!, parse.GetValue(agreementResultsOption), parse.GetValue(allowOutsideOption), settings, cancellationToken));

var viewDirectoriesArgument = new Argument<string[]>("directories") { Description = "Folders with runs, searched below for run.json: the --out of `evalrunner run`, CI artifacts, a watch store (default: evalrunner-results)", Arity = ArgumentArity.ZeroOrMore };
var viewListenOption = new Option<string?>("--listen") { Description = "HOST:PORT to serve on (default 127.0.0.1 and a free port); an address other than loopback serves other machines too" };
var viewSuiteOption = new Option<string?>("--suite") { Description = "The suite (*.eval.yaml) whose external evaluator receives reviews: review needs it, browsing and comparing do not" };
var viewEvaluatorOption = new Option<string?>("--evaluator") { Description = "The external evaluator reviewed (default: the suite's only one)" };
var viewCacheOption = new Option<string?>("--cache-dir") { Description = "Where the line indexes of results.jsonl files are kept (default: $XDG_CACHE_HOME/evalrunner/view, else ~/.cache/evalrunner/view); never in a results folder" };
var view = new Command("view", "Serve a local page over the runs under the folders: runs by suite and time, measures over time, a run's rows, two runs compared, and review by hand into the suite's scores file (Ctrl-C stops)") { viewDirectoriesArgument, viewListenOption, viewSuiteOption, viewEvaluatorOption, viewCacheOption, allowOutsideOption };
view.SetAction(async (parse, cancellationToken) =>
{
    var directories = parse.GetValue(viewDirectoriesArgument) is { Length: > 0 } given ? given : ["evalrunner-results"];
    return await EvalRunner.Cli.View.ViewCommand.RunAsync(
        new EvalRunner.Cli.View.ViewOptions
        {
            Directories = directories,
            CacheDirectory = parse.GetValue(viewCacheOption) ?? EvalRunner.Cli.View.ViewOptions.DefaultCacheDirectory(settings),
            SuitePath = parse.GetValue(viewSuiteOption),
            Evaluator = parse.GetValue(viewEvaluatorOption),
            AllowOutsidePaths = parse.GetValue(allowOutsideOption),
            Settings = settings,
        },
        parse.GetValue(viewListenOption),
        cancellationToken);
});

var root = new RootCommand("evalrunner: LLM evaluations as tests. Exit codes: 0 passed, 1 thresholds failed, 2 invalid input or configuration, nothing measured, or stopped (budget, provider fault, results not writable), 130 cancelled (Ctrl-C, SIGTERM).")
{
    run,
    validate,
    report,
    compare,
    merge,
    watch,
    alerts,
    agreement,
    view,
    cache,
    baseline,
};
// Ctrl-C cancels the run; the engine then writes run.json with the finished rows, which needs a moment.
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30), EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    return ExitCodes.Cancelled;
}
catch (Exception ex)
{
    return Commands.LastResort(ex, settings, Console.Error);
}
finally
{
    // The redacting writers hold an unfinished line until it ends or is flushed.
    Console.Out.Flush();
    Console.Error.Flush();
}

static int Fail(string message)
{
    Commands.PrintError(message);
    return ExitCodes.Invalid;
}

/// <summary>The entry point; declared so that it stays internal (the ASP.NET Core framework reference would make it public).</summary>
internal partial class Program;

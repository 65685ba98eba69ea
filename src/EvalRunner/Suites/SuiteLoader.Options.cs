using EvalRunner.Results;
using EvalRunner.Yaml;

namespace EvalRunner.Suites;

/// <summary>Reading the suite's settings blocks: <c>run:</c>, <c>baseline:</c>, <c>online:</c> and <c>export:</c>.</summary>
public static partial class SuiteLoader
{
    /// <summary>
    /// <c>export: {otlp: URL, headers: {NAME: VALUE}}</c>. Every header value is a secret whatever its name: OTLP
    /// backends take their keys in headers of their own naming (<c>x-honeycomb-team</c>, <c>DD-API-KEY</c>).
    /// </summary>
    private static ExportOptions? ReadExport(YamlMap map)
    {
        if (map.Map("export") is not { } export)
        {
            return null;
        }

        export.AllowOnly(["otlp", "headers"]);
        var otlp = export.Try(() => SpecReader.ReadUrl(export, "otlp"), null);
        var headers = export.Try(() => export.StringMap("headers", _ => Secrecy.SecretVariables), null) ?? new Dictionary<string, string>();
        foreach (var value in headers.Values)
        {
            map.Settings.AddSecret(value);
            map.Settings.AddSecretsOfHeader(value);
        }

        if (otlp is null && !export.Has("otlp"))
        {
            export.Try<object?>(() => throw export.Error("otlp", "is missing: give the OTLP/HTTP endpoint, e.g. http://localhost:4318"), null);
        }

        return new ExportOptions { Otlp = otlp, Headers = headers };
    }

    private static RunOptions ReadOptions(YamlMap map)
    {
        if (map.Map("run") is not { } run)
        {
            return new RunOptions();
        }

        run.AllowOnly(["concurrency", "timeout", "request_timeout", "retries", "fail_on_error", "min_coverage", "max_cost", "max_tokens", "max_retry_wait", "max_output_bytes", "replay_missing", "min_measured", "repeat", "min_passes"]);
        var defaults = new RunOptions();

        // Each value is read on its own: a bad one is reported and the others are still checked.
        var repeat = run.Try(() => run.Int("repeat", 1, RunOptions.MaxRepeat), null) ?? defaults.Repeat;
        var minPasses = run.Try(() => run.Int("min_passes", 1) is { } passes && passes > repeat
            ? throw run.Error("min_passes", $"must be from 1 to run.repeat ({repeat}), not {passes}: a datapoint passes when at least min_passes of its {repeat} trials pass")
            : run.Int("min_passes", 1), null);

        return new RunOptions
        {
            Repeat = repeat,
            MinPasses = minPasses,
            Concurrency = run.Try(() => run.Int("concurrency", 1, 1024), null) ?? defaults.Concurrency,
            Timeout = run.Try(() => run.Duration("timeout"), null) ?? defaults.Timeout,
            FailOnError = run.Try(() => run.Bool("fail_on_error"), null) ?? defaults.FailOnError,
            MinCoverage = run.Try(() => run.Double("min_coverage", 0, 1), null) ?? defaults.MinCoverage,
            MinMeasured = run.Try(() => run.Double("min_measured", 0, 1), null) ?? defaults.MinMeasured,
            Retries = run.Try(() => run.Int("retries", 0, 20), null) ?? defaults.Retries,
            RequestTimeout = run.Try(() => run.Duration("request_timeout"), null),
            MaxCost = run.Try(() => run.Double("max_cost", 0), null),
            MaxTokens = run.Try(() => run.Int("max_tokens", 1), null),
            MaxRetryWait = run.Try(() => run.Duration("max_retry_wait"), null) ?? defaults.MaxRetryWait,
            MaxOutputBytes = run.Try(() => run.Int("max_output_bytes", 1024), null) ?? defaults.MaxOutputBytes,
            ReplayMissing = run.Try(
                () => run.String("replay_missing") switch
                {
                    null or "skip" => ReplayMissing.Skip,
                    "fail" => ReplayMissing.Fail,
                    var other => throw run.Error("replay_missing", $"must be 'skip' or 'fail', not '{other}'"),
                },
                ReplayMissing.Skip),
        };
    }

    /// <summary><c>baseline:</c> — where the baseline run is, the tolerance of per-datapoint scores, alpha and the age after which it is stale.</summary>
    private static Results.BaselineOptions ReadBaseline(YamlMap map, string directory)
    {
        if (map.Map("baseline") is not { } baseline)
        {
            return new Results.BaselineOptions();
        }

        baseline.AllowOnly(["source", "tolerance", "alpha", "max_age", "new_datapoints"]);
        var defaults = new Results.BaselineOptions();

        // Each value is read on its own: a bad one is reported and the others are still checked.
        return new Results.BaselineOptions
        {
            Source = baseline.Try(() => baseline.String("source"), null) is { } source ? Path.GetFullPath(Path.Combine(directory, source)) : null,
            Tolerance = baseline.Try(() => baseline.Double("tolerance", 0), null) ?? defaults.Tolerance,
            Alpha = baseline.Try(() => baseline.Double("alpha", 0, 1), null) ?? defaults.Alpha,
            MaxAge = baseline.Try(() => baseline.Duration("max_age"), null) ?? defaults.MaxAge,
            NewDatapoints = baseline.Try(() => NewDatapointsOf(baseline), null) ?? defaults.NewDatapoints,
        };
    }

    /// <summary><c>new_datapoints: report | must_pass</c> of a mapping; null when it does not say.</summary>
    private static Results.NewDatapoints? NewDatapointsOf(YamlMap map) => map.String("new_datapoints") switch
    {
        null => null,
        "report" => Results.NewDatapoints.Report,
        "must_pass" => Results.NewDatapoints.MustPass,
        var other => throw map.Error("new_datapoints", $"must be 'report' or 'must_pass', not '{other}'"),
    };

    /// <summary><c>online:</c> — the rolling window, the minimum logs before a rule fires, sampling and where alerts go.</summary>
    private static OnlineOptions? ReadOnline(YamlMap map, string directory)
    {
        if (map.Map("online") is not { } online)
        {
            return map.Has("online") ? new OnlineOptions() : null;
        }

        online.AllowOnly(["window", "min_logs", "sample", "alerts", "rotated_idle"]);

        // Each value is read on its own: a bad one is reported and the others are still checked.
        int? windowLogs = null;
        TimeSpan? windowDuration = null;
        if (online.Try(() => online.String("window"), null) is { } window)
        {
            if (int.TryParse(window, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
            {
                windowLogs = online.Try(() => count >= 1 ? count : throw online.Error("window", "must be at least 1 log"), OnlineOptions.DefaultWindowLogs);
            }
            else
            {
                windowDuration = online.Try(() => online.Duration("window"), null);
            }
        }

        string? file = null;
        Uri? webhook = null;
        var cooldown = OnlineOptions.DefaultAlertCooldown;
        if (online.Try(() => online.Map("alerts"), null) is { } alerts)
        {
            alerts.AllowOnly(["file", "webhook", "cooldown"]);
            if (alerts.Try(() => alerts.String("cooldown"), null) is { } text)
            {
                cooldown = alerts.Try(
                    () => ValueText.ParseDuration(text) is { } duration && duration >= TimeSpan.Zero
                        ? duration
                        : throw alerts.Error("cooldown", $"must be a duration such as 30s, 5m or 0s, not '{text}'"),
                    OnlineOptions.DefaultAlertCooldown);
            }

            file = alerts.Try(() => alerts.String("file"), null) is { } path ? Path.GetFullPath(Path.Combine(directory, path)) : null;
            if (alerts.Try(() => alerts.String("webhook", Secrecy.NotSecret), null) is { } url)
            {
                // Its path and query are the credential (Slack's are); its scheme, host and port are not.
                webhook = alerts.Try(
                    () => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        ? uri
                        : throw alerts.Error("webhook", "must be an http(s) URL"),
                    null);
                if (webhook is not null)
                {
                    map.Settings.AddSecretsOfWebhook(webhook);
                }
            }
        }

        return new OnlineOptions
        {
            WindowLogs = windowDuration is null ? windowLogs ?? OnlineOptions.DefaultWindowLogs : null,
            WindowDuration = windowDuration,
            MinLogs = online.Try(() => online.Int("min_logs", 1), null) ?? new OnlineOptions().MinLogs,
            Sample = online.Try(() => online.Double("sample", 0, 1), null) ?? 1,
            AlertsFile = file,
            Webhook = webhook,
            RotatedIdle = online.Try(() => online.Duration("rotated_idle"), null) ?? OnlineOptions.DefaultRotatedIdle,
            AlertCooldown = cooldown,
        };
    }
}

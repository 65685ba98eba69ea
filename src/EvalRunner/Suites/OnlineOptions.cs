namespace EvalRunner.Suites;

/// <summary>The suite's <c>online:</c> section: how <c>evalrunner watch</c> decides thresholds and alerts on live logs.</summary>
internal sealed record OnlineOptions
{
    /// <summary>The rolling window as a number of logs (the latest N rows); null when it is a duration.</summary>
    public int? WindowLogs { get; init; }

    /// <summary>The rolling window as a duration (rows evaluated within it); null when it is a number of logs.</summary>
    public TimeSpan? WindowDuration { get; init; }

    /// <summary>Rows the window must hold before an aggregate threshold can breach.</summary>
    public int MinLogs { get; init; } = 20;

    /// <summary>Share of logs evaluated (0..1), chosen by a hash of the log's id so that the choice is stable.</summary>
    public double Sample { get; init; } = 1;

    /// <summary>The alerts JSONL file (relative to the suite's folder); null for none.</summary>
    public string? AlertsFile { get; init; }

    /// <summary>A URL that gets each alert as a Slack-compatible JSON body <c>{"text": ...}</c>; null for none.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>
    /// The least time between two state changes of one rule (its <c>breach</c> and its <c>clear</c>): a value near its
    /// threshold does not flap. A change within the cooldown waits for the next log after it.
    /// </summary>
    public TimeSpan AlertCooldown { get; init; } = DefaultAlertCooldown;

    /// <summary>The alert cooldown when the suite says none: 1 minute.</summary>
    public static readonly TimeSpan DefaultAlertCooldown = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a rotated log file (renamed or deleted, a new file at its path) is still followed after it last grew: a
    /// service may write to the file it has open for a while after the rotation.
    /// </summary>
    public TimeSpan RotatedIdle { get; init; } = DefaultRotatedIdle;

    /// <summary>The rotated-file idle time when the suite says none: 5 minutes.</summary>
    public static readonly TimeSpan DefaultRotatedIdle = TimeSpan.FromMinutes(5);

    /// <summary>The window when the suite says none: the latest 500 logs.</summary>
    public const int DefaultWindowLogs = 500;
}

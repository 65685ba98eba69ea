namespace EvalRunner.Online;

/// <summary>What <see cref="PrometheusRules.Translate"/> writes besides the suite's own rules.</summary>
internal sealed record PrometheusRulesRequest
{
    /// <summary>The suite file as given on the command line, named in the file's header.</summary>
    public required string SuitePath { get; init; }

    /// <summary>The range of every rule's counters; null takes the suite's <c>online.window</c> when it is a duration.</summary>
    public TimeSpan? Window { get; init; }

    /// <summary>How long a rule must stay unmet before its alert fires (the rule's <c>for:</c>): <see cref="TimeSpan.Zero"/> by default, as the watcher alerts on the first log that breaks a rule.</summary>
    public TimeSpan For { get; init; } = TimeSpan.Zero;

    /// <summary>The value of each alert's <c>severity</c> label.</summary>
    public string Severity { get; init; } = DefaultSeverity;

    /// <summary>The severity when none is given: <c>warning</c>.</summary>
    public const string DefaultSeverity = "warning";
}

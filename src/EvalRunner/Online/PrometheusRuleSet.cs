namespace EvalRunner.Online;

/// <summary>A suite's online thresholds as Prometheus alerting rules, and the rules PromQL cannot express.</summary>
internal sealed record PrometheusRuleSet
{
    /// <summary>The rules file: a <c>groups:</c> document, the rules left out listed in comments at its top.</summary>
    public required string Yaml { get; init; }

    /// <summary>The thresholds written as alerting rules (their text as written), in the suite's order.</summary>
    public required IReadOnlyList<string> Written { get; init; }

    /// <summary>The thresholds left out, each with the reason.</summary>
    public required IReadOnlyList<UnexpressedRule> Unexpressed { get; init; }
}

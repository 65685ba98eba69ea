namespace EvalRunner.Online;

/// <summary>A suite's online aggregate thresholds as Prometheus alerting rules over the watcher's metrics.</summary>
internal static class PrometheusRules
{
    /// <summary>The name of every alert; the rule is the <c>evalrunner_rule</c> label.</summary>
    public const string AlertName = "EvalRunnerRuleBreached";

    /// <summary>The z of the engine's 95% Wilson interval.</summary>
    internal static readonly double Z;

    /// <summary>Not written yet: no rule.</summary>
    public static PrometheusRuleSet Translate(Suites.Suite suite, PrometheusRulesRequest request) =>
        new() { Yaml = string.Empty, Written = [], Unexpressed = [] };
}

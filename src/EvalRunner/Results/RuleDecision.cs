namespace EvalRunner.Results;

/// <summary>How a regression rule was decided for one model config.</summary>
internal enum RuleDecision
{
    /// <summary>The head run is no worse than the rule allows.</summary>
    Held,

    /// <summary>The head run is worse than the rule allows: a regression, which fails the run.</summary>
    Broken,

    /// <summary>
    /// Not decided: there is no baseline, the baseline lacks the rule's column or model config, or the runs share no
    /// datapoint. Never a failure, never a pass.
    /// </summary>
    NotDecided,
}

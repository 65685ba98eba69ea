namespace EvalRunner.Reviews;

/// <summary>How well two raters (reviewers, or a reviewer and an evaluator of a run) agree on one column.</summary>
internal sealed record ReviewAgreementPair
{
    public required string Column { get; init; }

    /// <summary>A reviewer.</summary>
    public required string RaterA { get; init; }

    /// <summary>Another reviewer, or the name of the run's evaluator whose column of the same name and type is compared.</summary>
    public required string RaterB { get; init; }

    /// <summary>How many datapoint × model config pairs both rated.</summary>
    public required int Datapoints { get; init; }

    /// <summary>Cohen's kappa (weighted for integers); null when it is undefined (nothing rated by both, or both raters always gave one same value).</summary>
    public double? Kappa { get; init; }

    public required ReviewWeighting Weighting { get; init; }
}

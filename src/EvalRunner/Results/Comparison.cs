namespace EvalRunner.Results;

/// <summary>
/// A run compared with its baseline (the <c>baseline</c> block of run.json): which baseline, every aggregate in both
/// runs, every regression rule decided, and what changed per datapoint. Lists of datapoints are capped at
/// <c>ComparisonBuilder.MaxListed</c>; the counts are whole.
/// </summary>
internal sealed record Comparison
{
    /// <summary>Which run the head was compared with.</summary>
    public required BaselineIdentity Baseline { get; init; }

    /// <summary>One sentence: what the gate decided, and why.</summary>
    public required string Gate { get; init; }

    /// <summary>Whether a regression rule is broken (the run fails).</summary>
    public bool Regressed { get; init; }

    /// <summary>The significance level used.</summary>
    public double Alpha { get; init; } = BaselineOptions.DefaultAlpha;

    /// <summary>The score tolerance used.</summary>
    public double Tolerance { get; init; }

    /// <summary>Datapoints (per model config) both runs measured.</summary>
    public int Shared { get; init; }

    /// <summary>Datapoints that passed in the baseline and not in the head.</summary>
    public int Regressions { get; init; }

    /// <summary>Datapoints that failed in the baseline and pass in the head.</summary>
    public int Fixes { get; init; }

    /// <summary>Datapoints only in the head.</summary>
    public int New { get; init; }

    /// <summary>Datapoints only in the head that did not pass there.</summary>
    public int NewNotPassed { get; init; }

    /// <summary>Whether a regression rule counts the new datapoints (<c>new_datapoints: must_pass</c>).</summary>
    public bool NewMustPass { get; init; }

    /// <summary>Datapoints only in the baseline.</summary>
    public int Removed { get; init; }

    /// <summary>Numeric scores that moved by more than the tolerance.</summary>
    public int Changed { get; init; }

    /// <summary>Every regression rule for every model config.</summary>
    public IReadOnlyList<RegressionResult> Rules { get; init; } = [];

    /// <summary>Every aggregate of the suite's rules, and the pass rate, in both runs.</summary>
    public IReadOnlyList<AggregateDelta> Aggregates { get; init; } = [];

    /// <summary>The regressions, with both responses.</summary>
    public IReadOnlyList<DatapointChange> RegressionRows { get; init; } = [];

    /// <summary>The fixes.</summary>
    public IReadOnlyList<DatapointRef> FixedRows { get; init; } = [];

    /// <summary>The datapoints only in the head, those that did not pass first.</summary>
    public IReadOnlyList<DatapointRef> NewRows { get; init; } = [];

    /// <summary>The datapoints only in the baseline.</summary>
    public IReadOnlyList<DatapointRef> RemovedRows { get; init; } = [];

    /// <summary>The scores that moved.</summary>
    public IReadOnlyList<ScoreChange> ChangedScores { get; init; } = [];
}

namespace EvalRunner.Results;

/// <summary>How the trials of one datapoint × model config of a repeated run went: all a run keeps of them in memory.</summary>
internal struct TrialCounts
{
    public ushort Passed;
    public ushort Failed;
    public ushort Errors;
    public ushort Excluded;

    /// <summary>Trials measured: passed, failed or errored (not those that need a live run).</summary>
    public readonly int Measured => Passed + Failed + Errors;

    /// <summary>Whether some trials passed and some did not.</summary>
    public readonly bool Flaky => Passed > 0 && Passed < Measured;

    /// <summary>Counts one trial's row.</summary>
    public void Add(Row row)
    {
        if (row.NeedsLiveRun)
        {
            Excluded++;
            return;
        }

        switch (row.Outcome)
        {
            case Outcome.Pass:
                Passed++;
                break;
            case Outcome.Fail:
                Failed++;
                break;
            default:
                Errors++;
                break;
        }
    }

    /// <summary>
    /// The k-of-n decision: pass with at least <paramref name="required"/> passing trials; else fail when a trial failed,
    /// error when the others only errored; null when no trial was measured.
    /// </summary>
    public readonly Outcome? Decide(int required) =>
        Measured == 0 ? null
        : Passed >= required ? Outcome.Pass
        : Failed > 0 ? Outcome.Fail
        : Outcome.Error;
}

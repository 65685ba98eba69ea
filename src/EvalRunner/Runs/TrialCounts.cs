namespace EvalRunner.Runs;

/// <summary>How the trials of one datapoint × model config of a repeated run went: all a run keeps of them in memory.</summary>
internal struct TrialCounts
{
    public ushort Passed;
    public ushort Failed;
    public ushort Errors;
    public ushort Excluded;

    /// <summary>Trials measured: passed, failed or errored (not those that need a live run).</summary>
    public readonly int Measured => Passed + Failed + Errors;
}

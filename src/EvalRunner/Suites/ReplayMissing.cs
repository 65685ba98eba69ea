namespace EvalRunner.Suites;

/// <summary>What a datapoint whose calls are not in the response cache means in replay mode (<c>run.replay_missing</c>).</summary>
internal enum ReplayMissing
{
    /// <summary>The datapoint needs a live run: reported, neither passed nor failed, in no denominator. The default.</summary>
    Skip,

    /// <summary>The datapoint fails: its row is a failing row, and it has no value in any aggregate.</summary>
    Fail,
}

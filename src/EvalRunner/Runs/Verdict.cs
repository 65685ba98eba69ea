namespace EvalRunner.Runs;

/// <summary>How a whole run ended.</summary>
public enum Verdict
{
    /// <summary>Every threshold held and something was measured.</summary>
    Pass,

    /// <summary>A threshold failed, a datapoint failed, or (by default) a row had an error.</summary>
    Fail,

    /// <summary>Nothing could be measured: every row errored, or the input broke mid-run.</summary>
    Error,

    /// <summary>Stopped before the end (Ctrl-C); the finished rows are kept.</summary>
    Cancelled,
}

namespace EvalRunner.Evaluators.Python;

/// <summary>
/// A worker process ended while a call was in it. The call at the head of the process's queue is the one it died in
/// (<see cref="Resend"/> false: the crash is that call's error); calls queued behind it never ran and are sent again
/// to a new process (<see cref="Resend"/> true).
/// </summary>
internal sealed class PythonWorkerExit(PythonEvaluatorException crash, bool resend) : Exception(crash.Message, crash)
{
    /// <summary>Why the process ended, as the datapoint that ended it is told.</summary>
    public PythonEvaluatorException Crash { get; } = crash;

    /// <summary>True when the call never ran and goes to a new process.</summary>
    public bool Resend { get; } = resend;
}

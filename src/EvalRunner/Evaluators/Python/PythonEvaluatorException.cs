namespace EvalRunner.Evaluators.Python;

/// <summary>A Python evaluator call failed: the function raised (the message holds the traceback), timed out, or the worker died.</summary>
internal sealed class PythonEvaluatorException(string message, Runs.ErrorKind kind = Runs.ErrorKind.Evaluator) : Exception(message)
{
    /// <summary>What kind of failure it was (<see cref="Runs.ErrorKind.Timeout"/> when main() did not return in time).</summary>
    public Runs.ErrorKind Kind { get; } = kind;
}

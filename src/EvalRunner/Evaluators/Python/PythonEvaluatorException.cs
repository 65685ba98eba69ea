using EvalRunner.Logs;

namespace EvalRunner.Evaluators.Python;

/// <summary>A Python evaluator call failed: the function raised (the message holds the traceback), timed out, or the worker died.</summary>
internal sealed class PythonEvaluatorException(string message, ErrorKind kind = ErrorKind.Evaluator) : Exception(message), IClassifiedException
{
    /// <summary>What kind of failure it was (<see cref="ErrorKind.Timeout"/> when main() did not return in time).</summary>
    public ErrorKind Kind { get; } = kind;
}

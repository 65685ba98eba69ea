namespace EvalRunner.Evaluators.Python;

/// <summary>A Python evaluator call failed: the function raised (the message holds the traceback), timed out, or the worker died.</summary>
public sealed class PythonEvaluatorException(string message) : Exception(message);

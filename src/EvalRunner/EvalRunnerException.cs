namespace EvalRunner;

/// <summary>
/// Bad input or configuration: thrown before any generation is paid for. The message says what is wrong,
/// where (file, line, column, field) and, where it helps, how to fix it.
/// </summary>
public abstract class EvalRunnerException(string message, Exception? innerException = null)
    : Exception(message, innerException);

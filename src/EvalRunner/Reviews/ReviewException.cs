namespace EvalRunner.Reviews;

/// <summary>A review score that cannot be recorded: an unknown evaluator or column, or a value its column does not allow.</summary>
internal sealed class ReviewException(string message, Exception? innerException = null) : EvalRunnerException(message, innerException);

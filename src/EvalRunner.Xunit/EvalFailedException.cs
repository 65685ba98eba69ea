namespace EvalRunner.Xunit;

/// <summary>A datapoint or an aggregate threshold failed; the message shows the failed rules, the values, the errors and the judge's reasons.</summary>
public sealed class EvalFailedException(string message) : Exception(message);

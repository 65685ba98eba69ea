namespace EvalRunner.Logs;

/// <summary>An exception that knows which kind of error it records (a provider's fault, a cache miss, a Python evaluator's timeout).</summary>
internal interface IClassifiedException
{
    /// <summary>The kind of error recorded for the row.</summary>
    ErrorKind Kind { get; }
}

namespace EvalRunner.Suites;

/// <summary>How a suite runs (<c>run:</c> in the suite file).</summary>
public sealed record RunOptions
{
    /// <summary>How many generations (datapoint × model config) run at once. Default 4.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The longest one generation may take before it is recorded as an error. Default 60 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether a row with an error (failed generation or evaluator) fails the run. Default true.</summary>
    public bool FailOnError { get; init; } = true;
}

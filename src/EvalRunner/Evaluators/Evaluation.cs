namespace EvalRunner.Evaluators;

/// <summary>The row one evaluator returned for one log, or its error.</summary>
public sealed record Evaluation
{
    /// <summary>The evaluator's name.</summary>
    public required string Evaluator { get; init; }

    /// <summary>Column values by column name; empty when <see cref="Error"/> is set.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; init; } = new Dictionary<string, object?>();

    /// <summary>Why the evaluation failed, with secrets removed; null when it succeeded.</summary>
    public Logs.RunError? Error { get; init; }
}

namespace EvalRunner.Evaluators;

/// <summary>
/// Scores one log of one datapoint. Built-in evaluators implement it, and so can any C# class.
/// </summary>
public interface IEvaluator
{
    /// <summary>The evaluator's name: the prefix of its columns (<c>name.column</c>). Unique within a suite.</summary>
    string Name { get; }

    /// <summary>The columns every evaluation returns, known before the run so that thresholds can be checked at load time.</summary>
    IReadOnlyList<Column> Columns { get; }

    /// <summary>
    /// Scores the generated response. Values are <see cref="bool"/>, <see cref="long"/>, <see cref="double"/> or
    /// <see cref="string"/>, keyed by column name. Throwing records an evaluation error for this datapoint only;
    /// it is never counted as a pass.
    /// </summary>
    ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken);
}

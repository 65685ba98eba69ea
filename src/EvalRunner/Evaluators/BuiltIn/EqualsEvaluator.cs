namespace EvalRunner.Evaluators.BuiltIn;

/// <summary><c>type: equals</c> — the response equals <c>value</c> (or the expected answer), trimmed, optionally ignoring case.</summary>
internal sealed class EqualsEvaluator(string name, IReadOnlyList<string> values, bool ignoreCase, bool trim) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = [Column.Bool("passed", "The response equals the expected text")];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var response = trim ? context.GeneratedResponse.Trim() : context.GeneratedResponse;
        var comparison = TextMatch.Comparison(ignoreCase);
        var passed = TextMatch.Targets(values, context, Name).Any(target => string.Equals(trim ? target.Trim() : target, response, comparison));
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?> { ["passed"] = passed });
    }
}

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary><c>type: not-contains</c> — the response contains none of <c>value</c>/<c>values</c>.</summary>
internal sealed class NotContainsEvaluator(string name, IReadOnlyList<string> values, bool ignoreCase) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } =
    [
        Column.Bool("passed", "The response contains none of the values"),
        Column.String("found", "The first forbidden value found, or empty"),
    ];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var comparison = TextMatch.Comparison(ignoreCase);
        var found = values.FirstOrDefault(value => context.GeneratedResponse.Contains(value, comparison));
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = found is null,
            ["found"] = found ?? string.Empty,
        });
    }
}

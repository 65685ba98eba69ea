namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>
/// <c>type: contains</c> — the response contains <c>value</c>/<c>values</c> (any of them, or all with <c>mode: all</c>),
/// or the expected answer when no value is configured.
/// </summary>
internal sealed class ContainsEvaluator(string name, IReadOnlyList<string> values, bool all, bool ignoreCase) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } =
    [
        Column.Bool("passed", "The response contains the text (any value, or all with mode: all)"),
        Column.Integer("matched", "How many of the values the response contains"),
    ];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var targets = TextMatch.Targets(values, context, Name);
        var comparison = TextMatch.Comparison(ignoreCase);
        var matched = targets.Count(target => context.GeneratedResponse.Contains(target, comparison));
        var passed = all ? matched == targets.Count : matched > 0;
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = passed,
            ["matched"] = (long)matched,
        });
    }
}

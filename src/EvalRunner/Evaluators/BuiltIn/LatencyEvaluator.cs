namespace EvalRunner.Evaluators.BuiltIn;

/// <summary><c>type: latency</c> — how long the generation took, and its token counts.</summary>
internal sealed class LatencyEvaluator(string name) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } =
    [
        Column.Float("ms", "Generation wall time in milliseconds"),
        Column.Integer("input_tokens", "Prompt tokens (0 when the provider does not report them)"),
        Column.Integer("output_tokens", "Completion tokens (0 when the provider does not report them)"),
    ];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["ms"] = Math.Round(context.Log.LatencyMs, 3),
            ["input_tokens"] = context.Log.InputTokens ?? 0L,
            ["output_tokens"] = context.Log.OutputTokens ?? 0L,
        });
}

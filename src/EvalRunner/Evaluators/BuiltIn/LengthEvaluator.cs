namespace EvalRunner.Evaluators.BuiltIn;

/// <summary><c>type: length</c> — the response's size in characters, words and lines.</summary>
internal sealed class LengthEvaluator(string name) : IEvaluator
{
    private static readonly char[] Whitespace = [' ', '\t', '\r', '\n'];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } =
    [
        Column.Integer("chars", "Characters in the response"),
        Column.Integer("words", "Whitespace-separated words in the response"),
        Column.Integer("lines", "Lines in the response"),
    ];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var response = context.GeneratedResponse;
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["chars"] = (long)response.Length,
            ["words"] = (long)response.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries).Length,
            ["lines"] = response.Length == 0 ? 0L : response.TrimEnd('\n').Count(c => c == '\n') + 1L,
        });
    }
}

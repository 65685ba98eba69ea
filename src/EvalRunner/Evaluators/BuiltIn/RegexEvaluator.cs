using System.Text.RegularExpressions;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary><c>type: regex</c> — the response matches <c>pattern</c> (.NET syntax).</summary>
internal sealed class RegexEvaluator(string name, Regex pattern) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } =
    [
        Column.Bool("passed", "The response matches the pattern"),
        Column.String("match", "The first match, or empty"),
    ];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var match = pattern.Match(context.GeneratedResponse);
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = match.Success,
            ["match"] = match.Success ? match.Value : string.Empty,
        });
    }
}

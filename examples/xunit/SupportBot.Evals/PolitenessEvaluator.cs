using EvalRunner.Evaluators;

namespace SupportBot.Evals;

/// <summary>A C# evaluator, added to the suite from code: does the answer avoid blaming the customer?</summary>
public sealed class PolitenessEvaluator : IEvaluator
{
    private static readonly string[] Blame = ["your fault", "you should have", "obviously"];

    public string Name => "politeness";

    public IReadOnlyList<Column> Columns { get; } = [Column.Bool("polite", "The answer does not blame the customer")];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["polite"] = !Blame.Any(phrase => context.GeneratedResponse.Contains(phrase, StringComparison.OrdinalIgnoreCase)),
        });
}

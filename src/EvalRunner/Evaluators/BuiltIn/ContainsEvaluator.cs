
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class ContainsKind : EvaluatorKind
{
    public override string Type => "contains";

    public override string[] Options => ["value", "values", "mode", "ignore_case"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => ContainsEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new ContainsSpec { Name = name, Columns = ContainsEvaluator.Returned, Values = SpecReader.Values(spec), All = Mode(spec), IgnoreCase = spec.Bool("ignore_case") ?? false };

    private static bool Mode(YamlMap spec) => spec.String("mode") switch
    {
        null or "any" => false,
        "all" => true,
        var other => throw spec.Error("mode", $"must be 'any' or 'all', not '{other}'"),
    };
}

/// <summary>What a suite says about a <c>contains</c> evaluator.</summary>
internal sealed record ContainsSpec : EvaluatorSpec
{
    public required IReadOnlyList<string> Values { get; init; }

    /// <summary>True for <c>mode: all</c>.</summary>
    public bool All { get; init; }

    public bool IgnoreCase { get; init; }

    /// <summary>Without a value, the response is compared with the expected answer.</summary>
    internal override bool NeedsExpected => Values.Count == 0;

    internal override IEvaluator Build(RunServices services) => new ContainsEvaluator(Name, Values, All, IgnoreCase);
}

/// <summary>
/// <c>type: contains</c> — the response contains <c>value</c>/<c>values</c> (any of them, or all with <c>mode: all</c>),
/// or the expected answer when no value is configured.
/// </summary>
internal sealed class ContainsEvaluator(string name, IReadOnlyList<string> values, bool all, bool ignoreCase) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "The response contains the text (any value, or all with mode: all)"),
        Column.Integer("matched", "How many of the values the response contains"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

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

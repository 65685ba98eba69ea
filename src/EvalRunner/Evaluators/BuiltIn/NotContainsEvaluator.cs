
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class NotContainsKind : EvaluatorKind
{
    public override string Type => "not-contains";

    public override string[] Options => ["value", "values", "ignore_case"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => NotContainsEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new NotContainsSpec { Name = name, Columns = NotContainsEvaluator.Returned, Values = RequireValues(spec), IgnoreCase = spec.Bool("ignore_case") ?? false };

    private static IReadOnlyList<string> RequireValues(YamlMap spec) =>
        SpecReader.Values(spec) is { Count: > 0 } values ? values : throw new SuiteException(spec.Here with { Field = spec.Join("values") }, "'value' or 'values' is required: the text that must not appear");
}

/// <summary>What a suite says about a <c>not-contains</c> evaluator.</summary>
internal sealed record NotContainsSpec : EvaluatorSpec
{
    public required IReadOnlyList<string> Values { get; init; }

    public bool IgnoreCase { get; init; }

    /// <summary>Without a value, the response is compared with the expected answer.</summary>
    internal override bool NeedsExpected => Values.Count == 0;

    internal override IEvaluator Build(RunServices services) => new NotContainsEvaluator(Name, Values, IgnoreCase);
}

/// <summary><c>type: not-contains</c> — the response contains none of <c>value</c>/<c>values</c>.</summary>
internal sealed class NotContainsEvaluator(string name, IReadOnlyList<string> values, bool ignoreCase) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "The response contains none of the values"),
        Column.String("found", "The first forbidden value found, or empty"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

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

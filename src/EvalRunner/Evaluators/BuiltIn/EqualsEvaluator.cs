
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class EqualsKind : EvaluatorKind
{
    public override string Type => "equals";

    public override string[] Options => ["value", "values", "ignore_case", "trim"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => EqualsEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new EqualsSpec { Name = name, Columns = EqualsEvaluator.Returned, Values = SpecReader.Values(spec), IgnoreCase = spec.Bool("ignore_case") ?? false, Trim = spec.Bool("trim") ?? true };
}

/// <summary>What a suite says about a <c>equals</c> evaluator.</summary>
internal sealed record EqualsSpec : EvaluatorSpec
{
    public required IReadOnlyList<string> Values { get; init; }

    public bool IgnoreCase { get; init; }

    public bool Trim { get; init; } = true;

    /// <summary>Without a value, the response is compared with the expected answer.</summary>
    internal override bool NeedsExpected => Values.Count == 0;

    internal override IEvaluator Build(RunServices services) => new EqualsEvaluator(Name, Values, IgnoreCase, Trim);
}

/// <summary><c>type: equals</c> — the response equals <c>value</c> (or the expected answer), trimmed, optionally ignoring case.</summary>
internal sealed class EqualsEvaluator(string name, IReadOnlyList<string> values, bool ignoreCase, bool trim) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned = [Column.Bool("passed", "The response equals the expected text")];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var response = trim ? context.GeneratedResponse.Trim() : context.GeneratedResponse;
        var comparison = TextMatch.Comparison(ignoreCase);
        var passed = TextMatch.Targets(values, context, Name).Any(target => string.Equals(trim ? target.Trim() : target, response, comparison));
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?> { ["passed"] = passed });
    }
}

using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class ToolCallsKind : EvaluatorKind
{
    public override string Type => "tool-calls";

    public override string[] Options => ["match", "arguments"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => ToolCallsEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new ToolCallsSpec { Name = name, Columns = ToolCallsEvaluator.Returned, Match = Match(spec), Arguments = Arguments(spec) };

    private static ToolCallMatch Match(YamlMap spec) => spec.String("match") switch
    {
        null or "strict" => ToolCallMatch.Strict,
        "in_order" => ToolCallMatch.InOrder,
        "any_order" => ToolCallMatch.AnyOrder,
        "superset" => ToolCallMatch.Superset,
        "subset" => ToolCallMatch.Subset,
        var other => throw spec.Error("match", $"must be strict, in_order, any_order, superset or subset, not '{other}'"),
    };

    private static ArgumentMatch Arguments(YamlMap spec) => spec.String("arguments") switch
    {
        null or "subset" => ArgumentMatch.Subset,
        "exact" => ArgumentMatch.Exact,
        "schema" => ArgumentMatch.Schema,
        "ignore" => ArgumentMatch.Ignore,
        var other => throw spec.Error("arguments", $"must be exact, subset, schema or ignore, not '{other}'"),
    };
}

/// <summary>What a suite says about a <c>tool-calls</c> evaluator.</summary>
internal sealed record ToolCallsSpec : EvaluatorSpec
{
    public ToolCallMatch Match { get; init; }

    public ArgumentMatch Arguments { get; init; }

    internal override IEvaluator Build(RunServices services) => new ToolCallsEvaluator(Name, Match, Arguments);
}

/// <summary>
/// <c>type: tool-calls</c> — the tool calls of the log's trajectory against the datapoint's <c>expected_tool_calls</c>,
/// compared as <c>match</c> says (<c>strict</c> by default) with arguments compared as <c>arguments</c> says
/// (<c>subset</c> by default). A datapoint without <c>expected_tool_calls</c> expects none.
/// </summary>
internal sealed class ToolCallsEvaluator(string name, ToolCallMatch match, ArgumentMatch arguments) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "The tool calls made match the expected ones as the evaluator's match mode says"),
        Column.Float("precision", "Calls made that match an expected call, over the calls made (1 when none was made)") with { Minimum = 0, Maximum = 1 },
        Column.Float("recall", "Expected calls that were made, over the expected calls (1 when none is expected)") with { Minimum = 0, Maximum = 1 },
        Column.Integer("missing", "Expected calls that no call made matches"),
        Column.Integer("unexpected", "Calls made that match no expected call (counted even when the match mode allows them)"),
        Column.String("reason", "Why it failed: the first expectation not met and the calls made; empty when it passed"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var expected = context.Datapoint.ExpectedToolCalls;
        var comparison = context.Log.Steps is null && expected.Count > 0
            ? ToolCallComparison.Unrecorded(expected)
            : ToolCallComparison.Compare(expected, [.. context.Log.ToolCalls], match, arguments);
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = comparison.Passed,
            ["precision"] = comparison.Made == 0 ? 1.0 : (double)comparison.Matched / comparison.Made,
            ["recall"] = expected.Count == 0 ? 1.0 : (double)comparison.Matched / expected.Count,
            ["missing"] = (long)(expected.Count - comparison.Matched),
            ["unexpected"] = (long)(comparison.Made - comparison.Matched),
            ["reason"] = comparison.Reason,
        });
    }
}

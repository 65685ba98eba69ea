
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class LatencyKind : EvaluatorKind
{
    public override string Type => "latency";

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => LatencyEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new OptionlessSpec { Name = name, Columns = LatencyEvaluator.Returned, Create = evaluator => new LatencyEvaluator(evaluator) };
}

/// <summary><c>type: latency</c> — how long the generation took, and its token counts.</summary>
internal sealed class LatencyEvaluator(string name) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        // A log supplied without its latency has none: rules over it fail, and aggregates count it as not measured.
        Column.Float("ms", "Generation wall time in milliseconds; no value when a supplied log does not say") with { WallTime = true, WhenMissing = MissingValue.Fail },
        Column.Integer("input_tokens", "Prompt tokens (0 when the provider does not report them)"),
        Column.Integer("output_tokens", "Completion tokens (0 when the provider does not report them)"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["ms"] = context.Log.LatencyMs is { } ms ? Math.Round(ms, 3) : null,
            ["input_tokens"] = context.Log.InputTokens ?? 0L,
            ["output_tokens"] = context.Log.OutputTokens ?? 0L,
        });
}

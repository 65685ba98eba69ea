using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class TrajectoryKind : EvaluatorKind
{
    public override string Type => "trajectory";

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => TrajectoryEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new OptionlessSpec { Name = name, Columns = TrajectoryEvaluator.Returned, Create = evaluator => new TrajectoryEvaluator(evaluator) };
}

/// <summary>
/// <c>type: trajectory</c> — the shape of the log's trajectory: its steps, model calls, tool calls, failed tool calls
/// and repeated identical calls. A log without a trajectory counts 0 of each.
/// </summary>
internal sealed class TrajectoryEvaluator(string name) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Integer("steps", "Model calls and tool calls of the trajectory (0 when the log has none)"),
        Column.Integer("model_calls", "Calls to the model"),
        Column.Integer("tool_calls", "Calls of tools"),
        Column.Integer("tool_errors", "Tool calls that failed"),
        Column.Integer("loops", "Repeated identical tool calls (the same tool with the same arguments as JSON), counted beyond the first"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var steps = context.Log.Steps ?? [];
        var calls = context.Log.ToolCalls.ToList();
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["steps"] = (long)steps.Count,
            ["model_calls"] = (long)steps.Count(s => s.Kind == StepKind.Model),
            ["tool_calls"] = (long)calls.Count,
            ["tool_errors"] = (long)calls.Count(c => c.IsFailed),
            ["loops"] = (long)Loops(calls),
        });
    }

    /// <summary>Calls that repeat an earlier call with the same name and the same arguments.</summary>
    private static int Loops(List<TrajectoryStep> calls) =>
        Enumerable.Range(0, calls.Count).Count(i => Enumerable.Range(0, i).Any(j => calls[j].Name == calls[i].Name && ToolArguments.Same(calls[j].Arguments, calls[i].Arguments)));
}

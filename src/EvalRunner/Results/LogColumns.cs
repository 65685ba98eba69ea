using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;

namespace EvalRunner.Results;

/// <summary>
/// The columns every row has from its log, for thresholds such as <c>rate(log.truncated) &lt;= 0.01</c>: how the
/// generation ended and whether its output was cut.
/// </summary>
internal static class LogColumns
{
    public const string Evaluator = "log";

    public static IReadOnlyList<Column> Columns { get; } =
    [
        Column.Bool("truncated", "the model stopped at its output token limit (finish_reason: length)"),
        Column.Bool("refused", "the model refused to answer"),
        Column.Bool("filtered", "the provider's content filter withheld the answer"),
        Column.Bool("truncated_output", "the response was longer than run.max_output_bytes and was cut"),
        Column.Bool("max_steps", "the model was still calling tools when the model config's max_steps model calls were spent"),
    ];

    /// <summary>The value of a log column, or null when <paramref name="name"/> is not one.</summary>
    public static object? Value(Log log, string name) => name switch
    {
        "truncated" => log.Status == LogStatus.Truncated,
        "refused" => log.Status == LogStatus.Refused,
        "filtered" => log.Status == LogStatus.Filtered,
        "truncated_output" => log.TruncatedOutput,
        "max_steps" => log.Status == LogStatus.MaxSteps,
        _ => null,
    };
}

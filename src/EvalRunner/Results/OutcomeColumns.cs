using EvalRunner.Evaluators;

namespace EvalRunner.Results;

/// <summary>
/// The column every row has from its outcome, for aggregate and regression rules: <c>rate(outcome.passed)</c> is the
/// pass rate (error rows count as not passed). Only aggregates read it: a row's own outcome is decided by the
/// per-datapoint rules, so no per-datapoint rule may name it.
/// </summary>
internal static class OutcomeColumns
{
    public const string Evaluator = "outcome";

    /// <summary>The pass rate's column: <c>outcome.passed</c>.</summary>
    public const string Passed = "outcome.passed";

    public static IReadOnlyList<Column> Columns { get; } =
    [
        Column.Bool("passed", "the row passed every per-datapoint rule (an error row did not)"),
    ];

    /// <summary>The value of an outcome column, or null when <paramref name="name"/> is not one.</summary>
    public static object? Value(Row row, string name) => name switch
    {
        "passed" => row.Outcome == Outcome.Pass,
        _ => null,
    };
}

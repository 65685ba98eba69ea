using EvalRunner.Evaluators;
using EvalRunner.Results;

namespace EvalRunner.Online;

/// <summary>
/// What one row contributes to the rolling window of an aggregate rule on a column: the one place that decides it, read
/// by the window and by the watcher's <c>column.rows</c>/<c>column.true</c> counters alike.
/// </summary>
internal static class WindowValue
{
    /// <summary>
    /// False when the row is not counted: it has no value in a column that skips missing values (a log outside an
    /// evaluator's <c>sample:</c>). Otherwise true, with the value as a number (a bool is 1 or 0), null for an error row,
    /// which stays in a rate's denominator as a false.
    /// </summary>
    public static bool TryGet(Row row, string columnName, Column column, out double? value)
    {
        value = row.Outcome == Outcome.Error ? null : ColumnValues.ToDouble(row.Value(columnName));
        return value is not null || row.Outcome == Outcome.Error || column.WhenMissing != MissingValue.Skip;
    }

    /// <summary>Whether a counted value of a bool column is true (an error row's value, null, is not).</summary>
    public static bool IsTrue(double? value) => value == 1;
}

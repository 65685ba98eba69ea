using EvalRunner.Evaluators;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>
/// Joins several reviewers' scores of one datapoint into one: bool and choices by majority (a tie has no value),
/// integers by their mean rounded half away from zero (the column stays an integer), floats by their mean, strings as
/// <c>reviewer: text</c> joined with <c> | </c> in reviewer order. A reviewer without a value for a column is left out of it.
/// </summary>
internal static class ExternalJoin
{
    /// <summary>The column that counts the reviewers whose scores were joined.</summary>
    public const string ReviewersColumn = "reviewers";

    public static IReadOnlyDictionary<string, object?> Join(IReadOnlyList<Column> columns, IReadOnlyList<ReviewerScore> scores)
    {
        var ordered = scores.OrderBy(score => score.Reviewer, StringComparer.Ordinal).ToList();
        var joined = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            var values = ordered.Select(score => (score.Reviewer, Value: score.Values.GetValueOrDefault(column.Name))).Where(entry => entry.Value is not null).ToList();
            joined[column.Name] = values.Count == 0 ? null : column.Type switch
            {
                ColumnType.Bool or ColumnType.Choice => Majority(values.Select(entry => entry.Value!)),
                ColumnType.Integer => (long)Math.Round(values.Average(entry => Convert.ToDouble(entry.Value, System.Globalization.CultureInfo.InvariantCulture)), MidpointRounding.AwayFromZero),
                ColumnType.Float => values.Average(entry => Convert.ToDouble(entry.Value, System.Globalization.CultureInfo.InvariantCulture)),
                _ => column.Name == "reviewer" ? string.Join(" | ", values.Select(entry => entry.Value)) : string.Join(" | ", values.Select(entry => $"{entry.Reviewer}: {entry.Value}")),
            };
        }

        joined[ReviewersColumn] = (long)scores.Count;
        return joined;
    }

    /// <summary>The bool and choice columns whose reviewers tie (the joined score has no value there).</summary>
    public static IEnumerable<string> Ties(IReadOnlyList<Column> columns, IReadOnlyList<ReviewerScore> scores) =>
        columns.Where(column => column.Type is ColumnType.Bool or ColumnType.Choice)
            .Where(column => scores.Select(score => score.Values.GetValueOrDefault(column.Name)).OfType<object>().ToList() is { Count: > 1 } values
                && Majority(values) is null)
            .Select(column => column.Name);

    /// <summary>The value more reviewers gave than any other; null on a tie.</summary>
    private static object? Majority(IEnumerable<object> values)
    {
        var counts = values.GroupBy(value => value).Select(group => (group.Key, Count: group.Count())).OrderByDescending(entry => entry.Count).ToList();
        return counts.Count > 1 && counts[0].Count == counts[1].Count ? null : counts[0].Key;
    }
}

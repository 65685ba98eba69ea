using EvalRunner.Evaluators;

namespace EvalRunner.Results;

/// <summary>Checks the values an evaluator returned against the columns it declared.</summary>
internal static class ColumnCheck
{
    /// <summary>Checks an evaluator's values against its declared columns; returns why they do not fit, or null.</summary>
    public static string? Mismatch(IEvaluator evaluator, IReadOnlyDictionary<string, object?> values)
    {
        foreach (var column in evaluator.Columns)
        {
            if (!values.TryGetValue(column.Name, out var value) || value is null)
            {
                if (column.WhenMissing != MissingValue.Error)
                {
                    continue;
                }

                return $"returned no value for column '{column.Name}'";
            }

            var fits = column.Type switch
            {
                ColumnType.Bool => value is bool,
                ColumnType.Integer => value is long or int,
                ColumnType.Float => value is double or float or long or int,
                ColumnType.Choice => value is string choice && column.Choices.Contains(choice),
                _ => value is string,
            };
            if (!fits)
            {
                return $"column '{column.Name}' should be {column.Type.ToString().ToLowerInvariant()}"
                    + (column.Type == ColumnType.Choice ? $" (one of {string.Join(", ", column.Choices)})" : string.Empty)
                    + $" but was {value} ({value.GetType().Name})";
            }
        }

        return null;
    }
}

using EvalRunner.Evaluators;
using EvalRunner.Results;

namespace EvalRunner.Thresholds;

/// <summary>Regression rules: aggregate rules whose right side is the baseline's value (<c>mean(judge.score) &gt;= baseline - 0.2</c>).</summary>
internal sealed partial record Threshold
{
    /// <summary>The baseline term of a regression rule; null for a rule against a fixed value.</summary>
    public BaselineTerm? Baseline { get; init; }

    /// <summary>What new datapoints mean to this regression rule (its <c>new_datapoints</c>); null follows <c>baseline.new_datapoints</c>.</summary>
    public Results.NewDatapoints? NewDatapoints { get; init; }

    /// <summary>True for a rule decided against a baseline run rather than by this run alone.</summary>
    public bool IsRegression => Baseline is not null;

    /// <summary>The aggregate written in the rule: <c>rate(outcome.passed)</c>.</summary>
    public string AggregateText => Function is { } function ? $"{function.ToString().ToLowerInvariant()}({ColumnName})" : ColumnName;

    /// <summary>Whether a higher value is the better one (rules with &gt;= or &gt;).</summary>
    public bool HigherIsBetter => Operator is ">=" or ">";

    /// <summary>Whether <paramref name="head"/> satisfies the rule against <paramref name="bound"/> (the baseline plus the offset).</summary>
    internal bool Holds(double head, double bound) => Compare(head, bound);

    private static Threshold Regression(string text, AggregateFunction? function, string columnName, Column column, string op, BaselineTerm term)
    {
        if (function is null)
        {
            throw new FormatException($"'{text}': a rule against the baseline compares an aggregate; write it as function(column), for example mean({columnName}) >= baseline - 0.1");
        }

        if (op is "==" or "!=")
        {
            throw new FormatException($"'{text}': a rule against the baseline uses >=, >, <= or <");
        }

        _ = AggregateValue(text, function.Value, column, "0");
        return new Threshold { Text = text.Trim(), Function = function, ColumnName = columnName, Operator = op, Expected = term.Offset, Baseline = term };
    }
}

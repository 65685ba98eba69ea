using System.Text;

namespace EvalRunner.Evaluators;

/// <summary>
/// One metric of an evaluator from Microsoft.Extensions.AI.Evaluation and the type of its value, which that interface
/// names but does not type. Its columns are named by <see cref="ColumnName"/>.
/// </summary>
public sealed record ExtensionsAIMetric
{
    /// <summary>The metric's name as the evaluator reports it (one of its <c>EvaluationMetricNames</c>), e.g. <c>Coherence</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The value's column type: <see cref="ColumnType.Float"/>, <see cref="ColumnType.Bool"/> or <see cref="ColumnType.String"/>.</summary>
    public required ColumnType Type { get; init; }

    /// <summary>
    /// The column of the value: the name in lower case with every character other than a letter, a digit or <c>_</c>
    /// replaced by <c>_</c> (<c>Word Count</c> → <c>word_count</c>).
    /// </summary>
    public string ColumnName
    {
        get
        {
            var name = new StringBuilder(Name.Length);
            foreach (var c in Name.Trim())
            {
                name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
            }

            return name.ToString();
        }
    }

    /// <summary>A <c>NumericMetric</c>: a float column.</summary>
    public static ExtensionsAIMetric Numeric(string name) => new() { Name = name, Type = ColumnType.Float };

    /// <summary>A <c>BooleanMetric</c>: a bool column.</summary>
    public static ExtensionsAIMetric Boolean(string name) => new() { Name = name, Type = ColumnType.Bool };

    /// <summary>A <c>StringMetric</c>: a string column.</summary>
    public static ExtensionsAIMetric String(string name) => new() { Name = name, Type = ColumnType.String };
}

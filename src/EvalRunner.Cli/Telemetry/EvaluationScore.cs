using System.Text;
using EvalRunner.Evaluators;

namespace EvalRunner.Cli.Telemetry;

/// <summary>
/// What an evaluation says in the terms of the <c>gen_ai.evaluation.result</c> event: one numeric score, one label and
/// one explanation, chosen from the evaluator's columns.
/// </summary>
/// <remarks>
/// The score is the <c>score</c> column when it is a number, else the first integer or float column, else the
/// <c>passed</c> column (else the first bool column) as 1 or 0. The label is the first choice column's value, else
/// <c>pass</c> or <c>fail</c> from that bool column. The explanation is the first string column named <c>reason</c>,
/// <c>explanation</c>, <c>reasoning</c> or <c>rationale</c>, else the first other string column; for a failed
/// evaluation it is the error's message.
/// </remarks>
internal readonly record struct EvaluationScore(double? Value, string? Label, string? Explanation)
{
    /// <summary>The most an explanation takes, in UTF-8 bytes.</summary>
    public const int MaxExplanationBytes = 4096;

    private static readonly string[] ExplanationNames = ["reason", "explanation", "reasoning", "rationale"];

    public static EvaluationScore Of(Evaluation evaluation, IReadOnlyList<Column> columns)
    {
        if (evaluation.Error is { } error)
        {
            return new EvaluationScore(null, null, error.Message);
        }

        // The declared columns in order, then values an evaluator returned without declaring them (a Python dict).
        var values = columns.Where(c => evaluation.Values.ContainsKey(c.Name)).Select(c => (c.Name, Type: (ColumnType?)c.Type, Value: evaluation.Values[c.Name]))
            .Concat(evaluation.Values.Where(v => columns.All(c => c.Name != v.Key)).Select(v => (Name: v.Key, Type: (ColumnType?)null, v.Value)))
            .Where(v => v.Value is not null)
            .ToList();
        var numbers = values.Where(v => v.Type is not (ColumnType.String or ColumnType.Choice) && v.Value is not bool && ToDouble(v.Value) is not null).ToList();
        var bools = values.Where(v => v.Value is bool).ToList();
        var passed = bools.FirstOrDefault(v => v.Name == "passed") is { Name: not null } named ? named : bools.FirstOrDefault();
        var score = numbers.FirstOrDefault(v => v.Name == "score") is { Name: not null } scored ? ToDouble(scored.Value)
            : numbers.Count > 0 ? ToDouble(numbers[0].Value)
            : passed.Name is not null ? ((bool)passed.Value! ? 1 : 0)
            : null;
        var choice = values.FirstOrDefault(v => v.Type == ColumnType.Choice && v.Value is string);
        var label = choice.Name is not null ? (string)choice.Value!
            : passed.Name is not null ? ((bool)passed.Value! ? "pass" : "fail")
            : null;
        var texts = values.Where(v => v.Value is string && v.Type is ColumnType.String or null).ToList();
        var explanation = texts.FirstOrDefault(v => ExplanationNames.Contains(v.Name, StringComparer.OrdinalIgnoreCase)) is { Name: not null } reason
            ? (string)reason.Value!
            : texts.Count > 0 ? (string)texts[0].Value! : null;
        return new EvaluationScore(score, label, explanation);
    }

    /// <summary>
    /// <paramref name="text"/> cut to <see cref="MaxExplanationBytes"/> UTF-8 bytes, ending in an ellipsis when it was
    /// cut; never in the middle of a character.
    /// </summary>
    public static string Cap(string text)
    {
        const string Ellipsis = "…";
        return Encoding.UTF8.GetByteCount(text) <= MaxExplanationBytes
            ? text
            : Generation.OutputCap.Cut(text, MaxExplanationBytes - Encoding.UTF8.GetByteCount(Ellipsis)).Text + Ellipsis;
    }

    private static double? ToDouble(object? value) => value switch
    {
        double d when double.IsFinite(d) => d,
        float f when float.IsFinite(f) => f,
        long l => l,
        int i => i,
        decimal m => (double)m,
        _ => null,
    };
}

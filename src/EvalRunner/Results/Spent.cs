namespace EvalRunner.Results;

/// <summary>What one row paid for: its generation and its judges (evaluations with a <c>cost_usd</c> column), cache hits excluded.</summary>
internal static class Spent
{
    public static double Cost(Row row) => (row.Log.CostUsd ?? 0) + Judges(row).Sum(e => Threshold(e.Values.GetValueOrDefault("cost_usd")));

    public static double JudgeCost(Row row) => Judges(row).Sum(e => Threshold(e.Values.GetValueOrDefault("cost_usd")));

    public static long Tokens(Row row) =>
        (row.Log.CacheHit ? 0 : (row.Log.InputTokens ?? 0) + (row.Log.OutputTokens ?? 0))
        + (long)Judges(row).Sum(e => Threshold(e.Values.GetValueOrDefault("input_tokens")) + Threshold(e.Values.GetValueOrDefault("output_tokens")));

    private static IEnumerable<Evaluators.Evaluation> Judges(Row row) => row.Evaluations.Where(e => e.Values.ContainsKey("cost_usd"));

    private static double Threshold(object? value) => ColumnValues.ToDouble(value) ?? 0;
}

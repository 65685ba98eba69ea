using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Evaluators.Llm;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Reviews;

/// <summary>The rows of a run that a reviewer sees, in order, without the rows this reviewer already scored.</summary>
internal static class ReviewQueue
{
    public static async Task<IReadOnlyList<Row>> ForAsync(IReadOnlyList<Row> rows, Suite suite, string reviewer, ReviewQueueOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var scores = await ReviewScoresFile.For(suite, options.Evaluator).ReadAsync(cancellationToken).ConfigureAwait(false);
        var scored = scores.Where(s => s.Reviewer == reviewer).Select(s => ExternalEvaluator.Key(s.DatapointId, s.ModelConfig)).ToHashSet(StringComparer.Ordinal);
        var open = rows.Where(row => !scored.Contains(ExternalEvaluator.Key(row.DatapointId, row.ModelConfig)) && !scored.Contains(row.DatapointId))
            // results.jsonl is in the order rows finished: sort, so that a queue and a seeded sample are the same every time.
            .OrderBy(row => row.DatapointId, StringComparer.Ordinal).ThenBy(row => row.ModelConfig, StringComparer.Ordinal).ThenBy(row => row.Trial)
            .ToList();
        return options.Order switch
        {
            ReviewOrder.Sample => Sample(open, options),
            ReviewOrder.Disagreement => [.. open.Where(row => Disagrees(row, Judges(suite, options)))],
            _ => [.. open.Where(Failing).Concat(open.Where(row => !Failing(row)))],
        };
    }

    private static bool Failing(Row row) => row.Outcome is Outcome.Fail or Outcome.Error;

    private static List<Row> Sample(List<Row> rows, ReviewQueueOptions options)
    {
        // A seeded Random gives the same sequence for the same seed on every run of this version.
        var random = new Random(options.Seed);
        var shuffled = rows.ToArray();
        random.Shuffle(shuffled);
        return [.. shuffled.Take(options.Count ?? shuffled.Length)];
    }

    private static HashSet<string> Judges(Suite suite, ReviewQueueOptions options) =>
        options.Judges.Count > 0 ? [.. options.Judges] : [.. suite.Evaluators.OfType<LlmJudgeSpec>().Select(e => e.Name)];

    /// <summary>
    /// A failed rule belongs to a judge when it names a judge's column (<c>judge.column</c>). The row's judges and its
    /// other rules disagree when exactly one side has a failed rule: the judges pass it and another rule fails it, or
    /// the judges fail it and every other rule passes.
    /// </summary>
    private static bool Disagrees(Row row, HashSet<string> judges)
    {
        var judgeFailed = row.FailedRules.Any(rule => NamesJudge(rule, judges));
        var otherFailed = row.FailedRules.Any(rule => !NamesJudge(rule, judges));
        return judgeFailed != otherFailed;
    }

    private static bool NamesJudge(string rule, HashSet<string> judges) =>
        judges.Any(judge => rule.Contains(judge + ".", StringComparison.Ordinal));
}

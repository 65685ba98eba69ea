using System.Globalization;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Reviews;

/// <summary>
/// Agreement between the reviewers of an <c>external</c> evaluator, pair by pair and column by column, over the
/// datapoints (× model config) both scored: Cohen's kappa for bool and choices columns, quadratic weighted kappa for
/// integer columns. With a run's rows, each reviewer is also compared with every other evaluator of the run that has a
/// column of the same name and type (an LLM judge's <c>correct</c> against the reviewers' <c>correct</c>).
/// </summary>
internal static class ReviewAgreement
{
    public static async Task<IReadOnlyList<ReviewAgreementPair>> ComputeAsync(Suite suite, string evaluatorName, IReadOnlyList<Row>? results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var file = ReviewScoresFile.For(suite, evaluatorName);
        var scores = await file.ReadAsync(cancellationToken).ConfigureAwait(false);
        var columns = file.Columns.Where(c => c.Type is ColumnType.Bool or ColumnType.Choice or ColumnType.Integer).ToList();
        var pairs = new List<ReviewAgreementPair>();
        var reviewers = scores.Select(s => s.Reviewer).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var column in columns)
        {
            var byReviewer = reviewers.ToDictionary(
                reviewer => reviewer,
                reviewer => Ratings(column, scores.Where(s => s.Reviewer == reviewer).Select(s => (Key: Key(s.DatapointId, s.ModelConfig), Value: s.Values.GetValueOrDefault(column.Name)))),
                StringComparer.Ordinal);
            for (var i = 0; i < reviewers.Count; i++)
            {
                for (var j = i + 1; j < reviewers.Count; j++)
                {
                    pairs.Add(Pair(column, reviewers[i], byReviewer[reviewers[i]], reviewers[j], byReviewer[reviewers[j]]));
                }
            }

            foreach (var judge in Judges(suite, evaluatorName, column))
            {
                // A score without a model config applies to every config, as when a run joins the scores.
                var judged = results is null ? [] : Ratings(column, results.Select(row => (Key: Key(row.DatapointId, row.ModelConfig), Value: Text(row.Value($"{judge}.{column.Name}")))));
                foreach (var reviewer in reviewers)
                {
                    var own = byReviewer[reviewer];
                    var matched = judged.Keys.Select(key => (key, value: own.GetValueOrDefault(key) ?? own.GetValueOrDefault(Key(key.Split('\u001f')[0], null))))
                        .Where(entry => entry.value is not null)
                        .ToDictionary(entry => entry.key, entry => entry.value!, StringComparer.Ordinal);
                    pairs.Add(Pair(column, reviewer, matched, judge, judged));
                }
            }
        }

        return pairs;
    }

    /// <summary>Cohen's kappa over parallel ratings: (po − pe) / (1 − pe), with pe from each rater's own frequencies.</summary>
    public static double? Kappa(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count == 0)
        {
            return null;
        }

        double n = a.Count;
        var observed = a.Zip(b).Count(pair => pair.First == pair.Second) / n;
        var expected = a.Concat(b).Distinct(StringComparer.Ordinal).Sum(value => a.Count(x => x == value) / n * (b.Count(x => x == value) / n));
        return expected >= 1 ? null : (observed - expected) / (1 - expected);
    }

    /// <summary>
    /// Quadratic weighted kappa: 1 − Σ O·(x − y)² / Σ E·(x − y)², where O is the observed share of each pair of values
    /// and E the product of the two raters' own shares.
    /// </summary>
    public static double? QuadraticKappa(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count == 0)
        {
            return null;
        }

        double n = a.Count;
        var observed = a.Zip(b).Sum(pair => (pair.First - pair.Second) * (pair.First - pair.Second)) / n;
        var expected = a.Sum(x => b.Sum(y => (x - y) * (x - y))) / (n * n);
        return expected == 0 ? null : 1 - (observed / expected);
    }

    private static ReviewAgreementPair Pair(Column column, string a, Dictionary<string, string> aRatings, string b, Dictionary<string, string> bRatings)
    {
        var both = aRatings.Keys.Where(bRatings.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var integer = column.Type == ColumnType.Integer;
        var kappa = integer
            ? QuadraticKappa([.. both.Select(k => Number(aRatings[k]))], [.. both.Select(k => Number(bRatings[k]))])
            : Kappa([.. both.Select(k => aRatings[k])], [.. both.Select(k => bRatings[k])]);
        return new ReviewAgreementPair { Column = column.Name, RaterA = a, RaterB = b, Datapoints = both.Count, Kappa = kappa, Weighting = integer ? ReviewWeighting.Quadratic : ReviewWeighting.None };
    }

    /// <summary>The run's evaluators, but the reviewed one, that return a column of the same name and type.</summary>
    private static IEnumerable<string> Judges(Suite suite, string evaluatorName, Column column) =>
        suite.Evaluators.Where(e => e.Name != evaluatorName && e is not ExternalSpec && e.Columns.Any(c => c.Name == column.Name && c.Type == column.Type)).Select(e => e.Name);

    private static Dictionary<string, string> Ratings(Column column, IEnumerable<(string Key, string? Value)> ratings)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in ratings)
        {
            if (!string.IsNullOrEmpty(value))
            {
                // Bool text is written in more than one way (true, 1, yes): compare what it means.
                result[key] = column.Type == ColumnType.Bool && ScoreText.Value(column, value) is bool meaning ? (meaning ? "true" : "false") : value;
            }
        }

        return result;
    }

    private static string Key(string id, string? modelConfig) => ExternalEvaluator.Key(id, modelConfig);

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

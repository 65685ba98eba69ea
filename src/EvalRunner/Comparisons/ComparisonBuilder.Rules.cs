using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Statistics;
using EvalRunner.Thresholds;

namespace EvalRunner.Comparisons;

/// <summary>Regression rules: each decided per model config, the significant ones by a paired test adjusted with Holm.</summary>
internal static partial class ComparisonBuilder
{
    private static List<RegressionResult> DecideRules(
        ComparisonRequest request,
        BaselineIdentity identity,
        bool found,
        List<Threshold> rules,
        List<string> models,
        Dictionary<(string Model, string Id), List<RowFacts>> head,
        Dictionary<(string Model, string Id), List<RowFacts>> @base,
        Func<string, ColumnType> typeOf,
        Func<string, bool> skipsMissing,
        List<DatapointRef> newDatapoints)
    {
        var results = new List<RegressionResult>();
        // Holm multiplies the least p-value by the number of tests, and a bootstrap's p-value is at least 1 / (draws + 1):
        // a clear regression keeps drawing until that floor times the family is well under alpha.
        var family = rules.Count(r => r.Baseline!.Significant) * models.Count;
        var maxResamples = MaxResamples(family, request.Options.Alpha);
        var stale = identity.Stale ? $"against a stale baseline: {string.Join("; ", identity.StaleReasons)}" : null;
        foreach (var rule in rules)
        {
            foreach (var model in models)
            {
                var result = new RegressionResult { Rule = rule.Text, ModelConfig = model, Decision = RuleDecision.NotDecided };
                var type = typeOf(rule.ColumnName);
                var skip = skipsMissing(rule.ColumnName);
                var baseRows = Rows(@base, model).ToList();
                if (!found)
                {
                    results.Add(result with { Note = identity.Note });
                    continue;
                }

                if (baseRows.Count == 0)
                {
                    results.Add(result with { Note = $"the baseline has no rows of model config '{model}'" });
                    continue;
                }

                if (!HasMetric(baseRows, rule.ColumnName))
                {
                    results.Add(result with { Note = $"the baseline has no value of {rule.ColumnName}" });
                    continue;
                }

                var offset = rule.Baseline!.Offset;
                if (!rule.Baseline.Significant)
                {
                    var b = Aggregate(rule, baseRows, type, skip);
                    var h = Aggregate(rule, Rows(head, model), type, skip);
                    var decision = b is { } bv && h is { } hv && rule.Holds(hv, bv + offset) ? RuleDecision.Held : RuleDecision.Broken;
                    results.Add(result with
                    {
                        Decision = decision,
                        Base = b,
                        Head = h,
                        Delta = b is { } x && h is { } y ? y - x : null,
                        Bound = b + offset,
                        Shared = SharedKeys(head, @base, model).Count,
                        Note = h is null ? "the head run measured nothing for it" : stale,
                    });
                    continue;
                }

                var shared = SharedKeys(head, @base, model);
                if (shared.Count == 0)
                {
                    results.Add(result with { Note = "the runs share no datapoint" });
                    continue;
                }

                var baseLists = shared.Select(k => (IReadOnlyList<double?>)Values(@base[k], rule.ColumnName, skip)).ToList();
                var headLists = shared.Select(k => (IReadOnlyList<double?>)Values(head[k], rule.ColumnName, skip)).ToList();
                var sharedBase = rule.Aggregate([.. baseLists.SelectMany(v => v)], type);
                var sharedHead = rule.Aggregate([.. headLists.SelectMany(v => v)], type);
                var oneTrial = shared.All(k => @base[k].Count == 1 && head[k].Count == 1);
                string test;
                double p;
                if (type == ColumnType.Bool && rule.Function is AggregateFunction.Rate or AggregateFunction.Mean && oneTrial)
                {
                    // Error rows count as false, as in the rate itself.
                    var pairs = shared.Select(k => (Base: (@base[k][0].Values.GetValueOrDefault(rule.ColumnName) ?? 0) > 0.5, Head: (head[k][0].Values.GetValueOrDefault(rule.ColumnName) ?? 0) > 0.5)).ToList();
                    var worse = pairs.Count(x => x.Base && !x.Head);
                    var better = pairs.Count(x => !x.Base && x.Head);
                    (test, p) = ("mcnemar", PairedTests.McNemarExact(rule.HigherIsBetter ? worse : better, rule.HigherIsBetter ? better : worse));
                }
                else
                {
                    var seed = Seeds.Of(request.Head.Suite, rule.Text, model);
                    (test, p) = ("bootstrap", PairedTests.Bootstrap(baseLists, headLists, values => rule.Aggregate(values, type), offset, rule.HigherIsBetter, Resamples, seed, maxResamples));
                }

                var onRate = type == ColumnType.Bool && rule.Function is AggregateFunction.Rate or AggregateFunction.Mean;
                results.Add(result with
                {
                    Base = sharedBase,
                    Head = sharedHead,
                    Delta = sharedBase is { } sb && sharedHead is { } sh ? sh - sb : null,
                    Bound = sharedBase + offset,
                    Test = test,
                    P = p,
                    Shared = shared.Count,
                    Trials = onRate ? (double)baseLists.Sum(v => v.Count) / shared.Count : null,
                    DesignEffect = onRate ? Intervals.DesignEffect(baseLists) : null,
                    Note = stale,
                });
            }
        }

        // Holm over every significant rule and model config tested: many rules at 0.05 each would flag noise.
        var tested = results.Select((r, i) => (r, i)).Where(x => x.r.P is not null).ToList();
        var adjusted = PairedTests.Holm([.. tested.Select(x => x.r.P!.Value)]);
        for (var j = 0; j < tested.Count; j++)
        {
            var (r, i) = tested[j];
            var rule = rules.First(t => t.Text == r.Rule);
            var observedBreak = r.Base is not { } bv || r.Head is not { } hv || !rule.Holds(hv, bv + rule.Baseline!.Offset);
            var significant = adjusted[j] < request.Options.Alpha;
            results[i] = r with
            {
                PAdjusted = adjusted[j],
                // At the level of Holm's first step (alpha over the family): a single regression among them must reach it.
                DetectableChange = r is { Trials: { } trials, DesignEffect: { } deff, Base: { } baseRate }
                    ? Math.Max(0, PairedTests.DetectableChange(r.Shared, trials, rule.HigherIsBetter ? baseRate : 1 - baseRate, deff, request.Options.Alpha / tested.Count) + (rule.HigherIsBetter ? -rule.Baseline!.Offset : rule.Baseline!.Offset))
                    : null,
                Decision = observedBreak && significant ? RuleDecision.Broken : RuleDecision.Held,
                Note = observedBreak && !significant
                    ? Join($"worse than the rule allows, but not significantly ({ComparisonText.PAgainst(adjusted[j], request.Options.Alpha)} after Holm)", r.Note)
                    : r.Note,
            };
        }

        if (!found)
        {
            return results;
        }

        // New datapoints: the rules compare the shared datapoints; a rule with new_datapoints: must_pass also needs every
        // new datapoint of its model config to pass.
        for (var i = 0; i < results.Count; i++)
        {
            var rule = rules.First(t => t.Text == results[i].Rule);
            var failing = newDatapoints.Where(n => n.ModelConfig == results[i].ModelConfig && n.Passed == false).ToList();
            if ((rule.NewDatapoints ?? request.Options.NewDatapoints) != NewDatapoints.MustPass || failing.Count == 0)
            {
                continue;
            }

            var named = string.Join(", ", failing.Take(10).Select(n => n.DatapointId)) + (failing.Count > 10 ? ", …" : string.Empty);
            var note = $"{failing.Count} new {(failing.Count == 1 ? "datapoint" : "datapoints")} did not pass (baseline.new_datapoints: must_pass): {named}";
            results[i] = results[i] with
            {
                Decision = RuleDecision.Broken,
                NewNotPassed = failing.Count,
                Note = results[i].Decision == RuleDecision.NotDecided ? note : Join(note, results[i].Note),
            };
        }

        return results;
    }

    /// <summary>
    /// The most draws of a paired bootstrap in a family of <paramref name="tests"/> tested together: enough that the least
    /// p-value a bootstrap can give, times the family (Holm's first step), is a quarter of alpha; at least
    /// <see cref="Resamples"/>, at most <see cref="MaxResamplesCap"/>.
    /// </summary>
    internal static int MaxResamples(int tests, double alpha) =>
        alpha > 0 ? (int)Math.Clamp(Math.Ceiling(4.0 * tests / alpha), Resamples, MaxResamplesCap) : Resamples;

    private static string Join(string first, string? second) => second is null ? first : $"{first}; {second}";

    private static List<(string Model, string Id)> SharedKeys(Dictionary<(string Model, string Id), List<RowFacts>> head, Dictionary<(string Model, string Id), List<RowFacts>> @base, string model) =>
        [.. head.Keys.Where(k => k.Model == model && @base.ContainsKey(k)).Order()];
}

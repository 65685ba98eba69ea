using System.Globalization;
using System.Text;
using EvalRunner.Results;

namespace EvalRunner.Comparisons;

/// <summary>How a comparison is said in words: the gate's one sentence, numbers, p-values, ages.</summary>
internal static class ComparisonText
{
    /// <summary>A value: two decimals at least, four at most.</summary>
    public static string Number(double? value) => value?.ToString("0.00##", CultureInfo.InvariantCulture) ?? "n/a";

    /// <summary>A difference with its sign (− for a drop).</summary>
    public static string Signed(double? value) => value is not { } v ? "n/a" : v < 0 ? "−" + Number(-v) : "+" + Number(v);

    /// <summary>A p-value, for a column headed "p": <c>0.004</c>, or <c>&lt; 0.001</c>.</summary>
    public static string P(double p) => p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// A p-value in a sentence, compared with <paramref name="alpha"/>: <c>p = 0.004 &lt; 0.05</c>, <c>p &lt; 0.001 &lt; 0.05</c>;
    /// below 0.001 with an alpha that small, in scientific notation so that the comparison stays true.
    /// </summary>
    public static string PAgainst(double p, double alpha)
    {
        var value = p >= 0.001 ? $"p = {P(p)}"
            : alpha > 0.001 ? "p < 0.001"
            : $"p = {p.ToString("0.##E+0", CultureInfo.InvariantCulture)}";
        return $"{value} {(p < alpha ? "<" : "≥")} {Number(alpha)}";
    }

    /// <summary>What was decided, with its note: <c>held</c>, <c>broken: …</c>, <c>not decided: no baseline given …</c>.</summary>
    public static string Decision(RegressionResult rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var decision = rule.Decision switch
        {
            RuleDecision.Broken => "broken",
            RuleDecision.Held => "held",
            _ => "not decided",
        };
        return Note(rule) is { } note ? $"{decision}: {note}" : decision;
    }

    /// <summary>
    /// A rule's note without a leading "not decided: " (written by earlier versions into run.json), which the decision
    /// already says; null without a note.
    /// </summary>
    public static string? Note(RegressionResult rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        const string Prefix = "not decided: ";
        return rule.Note is { } note && note.StartsWith(Prefix, StringComparison.Ordinal) ? note[Prefix.Length..] : rule.Note;
    }

    /// <summary>An age in days or hours.</summary>
    public static string Age(TimeSpan age) => age.TotalDays >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalDays:0.#} days")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0.#} hours");

    /// <summary>The baseline in a few words: commit, branch, date, age, and whether it is stale.</summary>
    public static string Identity(BaselineIdentity baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (!baseline.Found)
        {
            return baseline.Note ?? "no baseline";
        }

        var parts = new List<string>();
        if (baseline.Commit is { } commit)
        {
            parts.Add($"commit {(commit.Length > 12 ? commit[..12] : commit)}");
        }

        if (baseline.Branch is { } branch)
        {
            parts.Add($"branch {branch}");
        }

        if (baseline.Date is { } date)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"finished {date.UtcDateTime:yyyy-MM-dd HH:mm} UTC"));
        }

        if (baseline.AgeHours is { } hours)
        {
            parts.Add($"{Age(TimeSpan.FromHours(hours))} old");
        }

        var text = parts.Count == 0 ? baseline.Path ?? "baseline" : string.Join(", ", parts);
        return baseline.Stale ? $"{text} — STALE: {string.Join("; ", baseline.StaleReasons)}" : text;
    }

    /// <summary>
    /// One sentence on what the gate decided and why: "Failed: rate(outcome.passed) dropped from 0.90 to 0.78 (−0.12,
    /// p = 0.004 &lt; 0.05 after Holm) on 200 shared datapoints".
    /// </summary>
    public static string Gate(Comparison comparison, bool nameModels)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var broken = comparison.Rules.Where(r => r.Decision == RuleDecision.Broken).ToList();
        var held = comparison.Rules.Where(r => r.Decision == RuleDecision.Held).ToList();
        var stale = comparison.Baseline.Stale ? " (against a stale baseline)" : string.Empty;
        if (broken.Count > 0)
        {
            var more = broken.Count > 1 ? $"; and {broken.Count - 1} more broken regression rule(s)" : string.Empty;
            return $"Failed: {Rule(broken[0], comparison.Alpha, nameModels)}{more}{stale}";
        }

        if (held.Count > 0)
        {
            var undecided = comparison.Rules.Count - held.Count;
            var rest = undecided > 0 ? $"; {undecided} rule(s) not decided" : string.Empty;
            return $"Passed: no regression against the baseline; {Rule(held[0], comparison.Alpha, nameModels)}{rest}{stale}";
        }

        if (comparison.Rules.Count == 0)
        {
            return "No regression rule to decide";
        }

        return $"Not decided: {Note(comparison.Rules[0]) ?? "no reason given"}; the regression rules neither pass nor fail the run";
    }

    private static string Rule(RegressionResult rule, double alpha, bool nameModels)
    {
        var text = new StringBuilder();
        var name = rule.Rule.Split(' ')[0];
        text.Append(name);
        if (nameModels)
        {
            text.Append(" [").Append(rule.ModelConfig).Append(']');
        }

        var newNotPassed = rule.NewNotPassed > 0
            ? $"{rule.NewNotPassed} new {(rule.NewNotPassed == 1 ? "datapoint" : "datapoints")} did not pass (baseline.new_datapoints: must_pass)"
            : null;
        if (rule.Base is null && newNotPassed is not null)
        {
            return text.Append(": ").Append(newNotPassed).ToString();
        }

        var moved = rule.Delta switch
        {
            < 0 => "dropped",
            > 0 => "rose",
            _ => "stayed",
        };
        text.Append(' ').Append(moved).Append(rule.Delta is 0 ? " at " : " from ").Append(Number(rule.Base));
        if (rule.Delta is not 0)
        {
            text.Append(" to ").Append(Number(rule.Head));
        }

        text.Append(" (").Append(Signed(rule.Delta));
        if (rule.PAdjusted is { } p)
        {
            text.Append(", ").Append(PAgainst(p, alpha)).Append(" after Holm");
        }
        else if (rule.Bound is { } bound)
        {
            text.Append(", bound ").Append(Number(bound));
        }

        text.Append(')');
        if (rule.Test is not null)
        {
            text.Append(" on ").Append(rule.Shared.ToString(CultureInfo.InvariantCulture)).Append(" shared datapoints");
        }

        if (newNotPassed is not null)
        {
            text.Append("; ").Append(newNotPassed);
        }

        return text.ToString();
    }

    /// <summary>
    /// What a held gate covers, for a rule with a <see cref="RegressionResult.DetectableChange"/>: "The gate detects a
    /// drop of 0.32 or more in `rate(outcome.passed)` with 80% power (…): a smaller drop can pass as no regression."
    /// Null for a rule without one.
    /// </summary>
    /// <param name="rule">The rule decided.</param>
    /// <param name="tests">How many tests Holm adjusted together.</param>
    /// <param name="alpha">The family's alpha.</param>
    /// <param name="model">The model config as shown (escaped by the caller), or null not to name it.</param>
    public static string? Detectable(RegressionResult rule, int tests, double alpha, string? model)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule is not { DetectableChange: { } change, Trials: { } trials, DesignEffect: { } deff, Base: { } baseRate })
        {
            return null;
        }

        // A regression rule is "aggregate OP baseline …": with > or >= a drop is the regression.
        var drop = rule.Rule.Contains('>', StringComparison.Ordinal) ? "drop" : "rise";
        var name = rule.Rule.Split(' ')[0];
        var shown = model is null ? string.Empty : $" [{model}]";
        var perDatapoint = trials == 1 ? "1 trial" : $"{trials.ToString("0.##", CultureInfo.InvariantCulture)} trials";
        return string.Create(CultureInfo.InvariantCulture,
            $"The gate detects a {drop} of {change:0.00} or more in `{name}`{shown} with 80% power ({rule.Shared} shared datapoints × {perDatapoint}, baseline rate {baseRate:0.00}, design effect {deff:0.00}, one-sided alpha {Number(alpha)} over {tests} {(tests == 1 ? "test" : "tests")}; a uniform {drop}, paired normal approximation): a smaller {drop} can pass as no regression.");
    }
}

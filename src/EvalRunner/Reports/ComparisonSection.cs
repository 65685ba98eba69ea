using System.Globalization;
using System.Text;
using EvalRunner.Comparisons;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>
/// The comparison with the baseline in the Markdown summary: a headline ("3 regressions, 1 fix"), the gate's one
/// sentence, the baseline's identity, the regression rules and aggregates in both runs, then the regressions first,
/// each with both responses side by side in a &lt;details&gt;, then fixes, new, removed and moved scores.
/// </summary>
internal static class ComparisonSection
{
    /// <summary>The most datapoints named in a list of fixes, new or removed datapoints.</summary>
    private const int MaxNamed = 20;

    /// <summary>"3 regressions, 1 fix".</summary>
    public static string Headline(Comparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        if (!comparison.Baseline.Found)
        {
            return "no baseline";
        }

        var parts = new List<string>
        {
            Count(comparison.Regressions, "regression", "regressions"),
            Count(comparison.Fixes, "fix", "fixes"),
        };
        if (comparison.New > 0)
        {
            parts.Add(comparison.NewNotPassed > 0 ? $"{comparison.New} new ({comparison.NewNotPassed} not passed)" : $"{comparison.New} new");
        }

        if (comparison.Removed > 0)
        {
            parts.Add($"{comparison.Removed} removed");
        }

        return string.Join(", ", parts) + (comparison.Baseline.Stale ? " (stale baseline)" : string.Empty);
    }

    /// <summary>Writes the section; regressions use up <paramref name="details"/> (how many &lt;details&gt; may still be written).</summary>
    public static void Write(StringBuilder md, RunResult run, int fieldLimit, ref int details)
    {
        ArgumentNullException.ThrowIfNull(md);
        ArgumentNullException.ThrowIfNull(run);
        if (run.Baseline is not { } comparison)
        {
            return;
        }

        var suite = MarkdownText.Cell(run.Suite);
        md.AppendLine(CultureInfo.InvariantCulture, $"### Compared with baseline ({suite}): {MarkdownText.Cell(Headline(comparison))}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{(comparison.Regressed ? "❌" : comparison.Rules.Any(r => r.Decision == RuleDecision.Held) ? "✅" : "➖")} {MarkdownText.Cell(comparison.Gate)}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{(comparison.Baseline.Stale ? "⚠️ " : string.Empty)}Baseline: {MarkdownText.Cell(ComparisonText.Identity(comparison.Baseline))}{(comparison.Baseline.RunUrl is { } url ? $" ([run]({Url(url)}))" : string.Empty)}.");
        if (comparison.Baseline.Found)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"{comparison.Shared} shared datapoints; {comparison.New} new, {comparison.Removed} removed; {comparison.Changed} scores moved by more than {ComparisonText.Number(comparison.Tolerance)}.");
            var tests = comparison.Rules.Count(r => r.P is not null);
            var models = comparison.Rules.Select(r => r.ModelConfig).Distinct().Count() > 1;
            foreach (var rule in comparison.Rules.Where(r => r.DetectableChange is not null).Take(MaxNamed))
            {
                md.AppendLine();
                md.AppendLine(ComparisonText.Detectable(rule, tests, comparison.Alpha, models ? MarkdownText.Cell(rule.ModelConfig) : null));
            }
        }

        md.AppendLine();
        if (comparison.Rules.Count > 0)
        {
            md.AppendLine("| regression rule | model config | base | head | Δ | p (Holm) | decision |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---|");
            foreach (var rule in comparison.Rules)
            {
                var mark = rule.Decision switch
                {
                    RuleDecision.Broken => "❌",
                    RuleDecision.Held => "✅",
                    _ => "➖",
                };
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {MarkdownText.Cell(rule.Rule)} | {MarkdownText.Cell(rule.ModelConfig)} | {ComparisonText.Number(rule.Base)} | {ComparisonText.Number(rule.Head)} | {ComparisonText.Signed(rule.Delta)} | {(rule.PAdjusted is { } p ? $"{ComparisonText.P(p)} ({rule.Test})" : string.Empty)} | {mark} {MarkdownText.Cell(ComparisonText.Decision(rule))} |");
            }

            md.AppendLine();
        }

        if (comparison.Baseline.Found && comparison.Aggregates.Count > 0)
        {
            md.AppendLine("| aggregate | model config | base | head | Δ |");
            md.AppendLine("|---|---|---:|---:|---:|");
            foreach (var aggregate in comparison.Aggregates)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {MarkdownText.Cell(aggregate.Aggregate)} | {MarkdownText.Cell(aggregate.ModelConfig)} | {ComparisonText.Number(aggregate.Base)} | {ComparisonText.Number(aggregate.Head)} | {ComparisonText.Signed(aggregate.Delta)} |");
            }

            md.AppendLine();
        }

        if (comparison.Regressions > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"#### Regressions ({comparison.Regressions}): passed in the baseline, not now");
            md.AppendLine();
            var shown = 0;
            foreach (var change in comparison.RegressionRows)
            {
                if (details <= 0)
                {
                    break;
                }

                Details(md, run.Suite, change, fieldLimit);
                details--;
                shown++;
            }

            if (shown < comparison.Regressions)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"_{comparison.Regressions - shown} more regressions are not shown here; every one is in the results artifact (`evalrunner compare`)._");
                md.AppendLine();
            }
        }

        NewList(md, comparison);
        List(md, "Fixes", comparison.Fixes, comparison.FixedRows);
        List(md, "Removed datapoints", comparison.Removed, comparison.RemovedRows);
        if (comparison.Changed > 0)
        {
            md.AppendLine($"**Scores moved by more than {ComparisonText.Number(comparison.Tolerance)} ({comparison.Changed})**: "
                + string.Join(", ", comparison.ChangedScores.Take(MaxNamed).Select(c => $"{MarkdownText.Cell(c.DatapointId)} [{MarkdownText.Cell(c.ModelConfig)}] {MarkdownText.Cell(c.Column)} {ComparisonText.Number(c.Base)} → {ComparisonText.Number(c.Head)}"))
                + (comparison.Changed > MaxNamed ? $", … and {comparison.Changed - MaxNamed} more" : string.Empty));
            md.AppendLine();
        }
    }

    private static void Details(StringBuilder md, string suite, DatapointChange change, int limit)
    {
        md.AppendLine(CultureInfo.InvariantCulture,
            $"<details><summary>🔻 {MarkdownText.Html(suite)} › {MarkdownText.Html(change.DatapointId)} [{MarkdownText.Html(change.ModelConfig)}]: passed → not passed</summary>");
        md.AppendLine();
        md.AppendLine("| | baseline | head |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| input | {MarkdownText.Cell(MarkdownText.Cut(change.Input, limit))} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| response | {MarkdownText.Cell(MarkdownText.Cut(change.BaseResponse, limit))} | {MarkdownText.Cell(MarkdownText.Cut(change.HeadResponse, limit))} |");
        if (change.HeadProblems.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| why | passed | {MarkdownText.Cell(MarkdownText.Cut(string.Join("; ", change.HeadProblems), limit))} |");
        }

        md.AppendLine();
        md.AppendLine("</details>");
        md.AppendLine();
    }

    private static void List(StringBuilder md, string title, int count, IReadOnlyList<DatapointRef> rows)
    {
        if (count == 0)
        {
            return;
        }

        md.AppendLine($"**{title} ({count})**: "
            + string.Join(", ", rows.Take(MaxNamed).Select(r => $"{MarkdownText.Cell(r.DatapointId)} [{MarkdownText.Cell(r.ModelConfig)}]"))
            + (count > MaxNamed ? $", … and {count - MaxNamed} more" : string.Empty));
        md.AppendLine();
    }

    // The new datapoints after the regressions, those that did not pass first and marked: the gate compares the shared
    // datapoints only, unless a rule says new_datapoints: must_pass.
    private static void NewList(StringBuilder md, Comparison comparison)
    {
        if (comparison.New == 0)
        {
            return;
        }

        var notPassed = comparison.NewNotPassed > 0 ? $", {comparison.NewNotPassed} not passed" : string.Empty;
        var counted = comparison.NewNotPassed == 0 ? string.Empty
            : comparison.NewMustPass ? " — counted by the gate (`baseline.new_datapoints: must_pass`)"
            : " — not counted by the gate (`baseline.new_datapoints: report`)";
        md.AppendLine($"**New datapoints ({comparison.New}{notPassed})**: "
            + string.Join(", ", comparison.NewRows.Take(MaxNamed).Select(r => $"{MarkdownText.Cell(r.DatapointId)} [{MarkdownText.Cell(r.ModelConfig)}]{(r.Passed == false ? " ✗" : string.Empty)}"))
            + (comparison.New > MaxNamed ? $", … and {comparison.New - MaxNamed} more" : string.Empty)
            + counted);
        md.AppendLine();
    }

    private static string Count(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";

    // A CI run's address from the artifact's note: only http(s), and nothing that could close the link.
    private static string Url(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsoluteUri.Replace(")", "%29", StringComparison.Ordinal) : "#";
}

using System.Globalization;
using System.Text;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>
/// The Markdown summary a reviewer reads in ten seconds: verdict, a table per suite, every aggregate rule, per model
/// config figures, tokens and latency, for several model configs their side-by-side section (<see cref="ModelsSection"/>),
/// then each failing datapoint in a collapsible &lt;details&gt; (with its trajectory, when its log has steps). Everything from
/// a dataset or a model passes <see cref="MarkdownText"/>. Long reports are cut to a size limit counted in UTF-8 bytes
/// (which also bounds the characters): long fields first, then failing datapoints, then whole lines — never inside a
/// character or a block — with a line that says what was cut and where the full report is.
/// </summary>
internal static class MarkdownReport
{
    /// <summary>GitHub's limit for a comment body: 65,536 characters, and as many UTF-8 bytes.</summary>
    public const int GitHubCommentLimit = 65_536;

    /// <summary>The most datapoints named in the "Needs live run" list; the rest are counted.</summary>
    private const int MaxLiveRunListed = 100;

    /// <summary>The most flaky datapoints named per suite; the rest are counted.</summary>
    private const int MaxFlakyListed = 20;

    /// <summary>The hidden marker that finds a suite's PR comment again.</summary>
    public static string Marker(string suite) => $"<!-- evalrunner:suite={Uri.EscapeDataString(suite)} -->";

    /// <summary>The size GitHub's limits count: the larger of UTF-16 characters and UTF-8 bytes (the bytes, in practice).</summary>
    public static int Size(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Math.Max(text.Length, Encoding.UTF8.GetByteCount(text));
    }

    /// <summary>Renders the reports.</summary>
    /// <param name="reports">The runs, one per suite.</param>
    /// <param name="fullReport">Where the full report is, named in the line that says something was cut.</param>
    /// <param name="limit">The most UTF-8 bytes (and so characters) to return.</param>
    /// <param name="marker">Whether to start with the suite's hidden marker (PR comments, one suite each).</param>
    /// <param name="sideBySideLines">The most datapoints each "Model configs side by side" pivot shows (0: none, the HTML report shows them).</param>
    /// <param name="reserve">Bytes of <paramref name="limit"/> kept free for what the caller adds after the text (a comment's hidden stamp line).</param>
    public static string Render(IReadOnlyList<RunReport> reports, string fullReport = "the results directory", int limit = GitHubCommentLimit, bool marker = false, int sideBySideLines = ModelsSection.MarkdownLines, int reserve = 0)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var room = limit - reserve;
        var failing = reports.Select(r => r.Rows.Where(row => row.Outcome != Outcome.Pass && !row.NeedsLiveRun).ToList()).ToList();
        var pivots = reports.Select(ModelsSection.Build).ToList();
        var sections = new Sections(pivots, sideBySideLines);
        foreach (var fieldLimit in new[] { 4000, 1000, 300 })
        {
            var text = Build(reports, failing, fieldLimit, int.MaxValue, fullReport, marker, limit, sections);
            if (Size(text) <= room)
            {
                return text;
            }
        }

        // Still too long: keep as many failing datapoints as fit (the size grows with every one kept: search).
        // The pivots shrink too: each then shows its disagreements first, as far as ten.
        sections = sections with { Lines = Math.Min(sideBySideLines, 10) };
        var best = Build(reports, failing, 300, 0, fullReport, marker, limit, sections);
        if (Size(best) > room)
        {
            return Fit(best, limit, fullReport, reserve);
        }

        var (fits, over) = (0, failing.Sum(f => f.Count) + reports.Sum(r => r.Run.Baseline?.RegressionRows.Count ?? 0));
        while (over - fits > 1)
        {
            var keep = fits + ((over - fits) / 2);
            var text = Build(reports, failing, 300, keep, fullReport, marker, limit, sections);
            if (Size(text) <= room)
            {
                (fits, best) = (keep, text);
            }
            else
            {
                over = keep;
            }
        }

        return best;
    }

    /// <summary>
    /// The text itself when it is within <paramref name="limit"/>, else its first whole lines that fit, with every
    /// code fence and &lt;details&gt; they opened closed again, and a last line that says it was cut and where the
    /// full report is. Cutting between lines never splits a character (nor a UTF-16 surrogate pair) or an entity.
    /// </summary>
    public static string Fit(string text, int limit, string fullReport, int reserve = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Size(text) <= limit - reserve)
        {
            return text;
        }

        var note = string.Create(CultureInfo.InvariantCulture, $"_Cut to stay under GitHub's limit of {limit:N0} bytes; the full report is in {MarkdownText.Cell(fullReport)}._\n");
        var room = limit - reserve - Size(note);
        var kept = new StringBuilder();
        var (bytes, chars, fenced, open) = (0, 0, false, 0);
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            var line = end < 0 ? text[start..] + "\n" : text[start..(end + 1)];
            start = end < 0 ? text.Length : end + 1;
            var (fencedAfter, openAfter) = Blocks(line, fenced, open);
            var closing = Closing(fencedAfter, openAfter);
            var (lineBytes, closingBytes) = (Encoding.UTF8.GetByteCount(line), Encoding.UTF8.GetByteCount(closing));
            if (Math.Max(bytes + lineBytes + closingBytes, chars + line.Length + closing.Length) > room)
            {
                break;
            }

            kept.Append(line);
            (bytes, chars, fenced, open) = (bytes + lineBytes, chars + line.Length, fencedAfter, openAfter);
        }

        return kept.Append(Closing(fenced, open)).Append(note).ToString();
    }

    // Which code fence and how many <details> are open after a line (the report writes each on a line of its own;
    // text from models and datasets is escaped, so it opens neither).
    private static (bool Fenced, int Open) Blocks(string line, bool fenced, int open)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
        {
            return (!fenced, open);
        }

        if (fenced)
        {
            return (true, open);
        }

        var opened = Count(line, "<details");
        var closed = Count(line, "</details>");
        return (false, Math.Max(0, open + opened - closed));
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.OrdinalIgnoreCase))
        {
            count++;
        }

        return count;
    }

    // What ends the blocks still open, then a blank line so that the note is a paragraph of its own, not a table row.
    private static string Closing(bool fenced, int open)
    {
        var closing = new StringBuilder();
        if (fenced)
        {
            closing.Append("```\n");
        }

        closing.Append('\n');
        for (var i = 0; i < open; i++)
        {
            closing.Append("</details>\n\n");
        }

        return closing.ToString();
    }

    private static string Build(IReadOnlyList<RunReport> reports, List<List<Row>> failing, int fieldLimit, int maxDetails, string fullReport, bool marker, int limit, Sections sections)
    {
        var md = new StringBuilder();
        var runs = reports.Select(r => r.Run).ToList();
        var live = runs.Any(r => r.Excluded > 0);
        if (marker && runs.Count == 1)
        {
            md.AppendLine(Marker(runs[0].Suite));
        }

        var title = runs.Count == 1 ? $"EvalRunner: {MarkdownText.Cell(runs[0].Suite)}" : $"EvalRunner: {runs.Count} suites";
        var headline = runs.Count == 1 && runs[0].Baseline is { } compared ? $" — {MarkdownText.Cell(ComparisonSection.Headline(compared))}" : string.Empty;
        md.AppendLine(CultureInfo.InvariantCulture, $"## {Headline(runs)} {title} {Word(runs)}{Unmeasured(runs)}{headline}");
        md.AppendLine();
        foreach (var run in runs)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{MarkdownText.Cell(run.Suite)}**: {MarkdownText.Cell(Reason(run, fieldLimit))}");
            if (run.Repaid > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"- **{MarkdownText.Cell(run.Suite)}**: resumed; {run.Repaid} generation(s) paid again (sent by the interrupted run, which stopped before their rows were written)");
            }

        }

        foreach (var run in runs)
        {
            foreach (var warning in run.Warnings)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- ⚠️ **{MarkdownText.Cell(run.Suite)}**: warning: {MarkdownText.Cell(MarkdownText.Cut(warning, fieldLimit))}");
            }
        }

        md.AppendLine();
        // A "needs live run" column only when a replayed run left datapoints unmeasured; the pass rate is over the measured.
        md.AppendLine(live ? "| suite | verdict | datapoints | passed | failed | errors | needs live run | pass rate |" : "| suite | verdict | datapoints | passed | failed | errors | pass rate |");
        md.AppendLine(live ? "|---|---|---:|---:|---:|---:|---:|---:|" : "|---|---|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {MarkdownText.Cell(run.Suite)} | {Icon(run.Verdict)} {run.Verdict.ToString().ToLowerInvariant()} | {run.Rows} | {run.Passed} | {run.Failed} | {run.Errors} |{(live ? $" {run.Excluded} |" : string.Empty)} {Percent(run.PassRate)} |");
        }

        md.AppendLine();

        // The comparison with the baseline comes before the run's own tables: its regressions are what changed.
        var details = maxDetails;
        foreach (var run in runs)
        {
            ComparisonSection.Write(md, run, fieldLimit, ref details);
        }

        // A suite with several model configs shows its aggregates by model config in its side-by-side section.
        var aggregates = runs.Where((_, i) => sections.Pivots[i] is null).SelectMany(r => r.Aggregates.Select(a => (r.Suite, a))).ToList();
        if (aggregates.Count > 0)
        {
            md.AppendLine("### Aggregate thresholds");
            md.AppendLine();
            md.AppendLine("| suite | rule | model config | value [95% interval] | |");
            md.AppendLine("|---|---|---|---:|:-:|");
            foreach (var (suite, aggregate) in aggregates)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {MarkdownText.Cell(suite)} | {MarkdownText.Cell(aggregate.Rule)} | {MarkdownText.Cell(aggregate.ModelConfig)} | {ReportValues.WithInterval(aggregate)} | {(aggregate.Passed ? "✅" : "❌")} |");
            }

            md.AppendLine();
        }

        md.AppendLine("### Model configs");
        md.AppendLine();
        md.AppendLine(live
            ? "| suite | model config | rows | passed | failed | errors | needs live run | pass rate | mean latency | tokens in | tokens out | cache hits | cost |"
            : "| suite | model config | rows | passed | failed | errors | pass rate | mean latency | tokens in | tokens out | cache hits | cost |");
        md.AppendLine(live ? "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" : "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            foreach (var model in run.Models)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {MarkdownText.Cell(run.Suite)} | {MarkdownText.Cell(model.Name)} | {model.Rows} | {model.Passed} | {model.Failed} | {model.Errors} |{(live ? $" {model.Excluded} |" : string.Empty)} {Percent(model.PassRate)} | {model.MeanLatencyMs.ToString("0", CultureInfo.InvariantCulture)} ms | {model.InputTokens} | {model.OutputTokens} | {model.CacheHits} | {Usd(model.CostUsd + model.JudgeCostUsd)} |");
            }
        }

        md.AppendLine();
        var models = runs.SelectMany(r => r.Models).ToList();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Tokens: {models.Sum(m => m.InputTokens)} in, {models.Sum(m => m.OutputTokens)} out. "
            + $"Cost: {Usd(models.Sum(m => m.CostUsd + m.JudgeCostUsd))} (generations {Usd(models.Sum(m => m.CostUsd))}, judges {Usd(models.Sum(m => m.JudgeCostUsd))}). "
            + $"Cache: {models.Sum(m => m.CacheHits)} of {models.Sum(m => m.Rows)} generations answered from the cache, {models.Sum(m => m.TokensSaved)} tokens saved.");
        foreach (var run in runs)
        {
            if (ReportValues.Provider(run) is { } provider)
            {
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"Provider ({MarkdownText.Cell(run.Suite)}): {MarkdownText.Cell(provider)}.");
            }
        }

        for (var i = 0; i < runs.Count; i++)
        {
            if (sections.Pivots[i] is { } pivot)
            {
                ModelsSection.AppendMarkdown(md, runs[i], pivot, sections.Lines);
            }
        }

        Trials(md, runs);
        var misses = reports.SelectMany(r => r.Rows.Where(row => row.NeedsLiveRun).Select(row => (r.Run.Suite, Row: row)))
            .OrderBy(m => m.Suite, StringComparer.Ordinal).ThenBy(m => m.Row.ModelConfig, StringComparer.Ordinal).ThenBy(m => m.Row.DatapointId, StringComparer.Ordinal)
            .ToList();
        if (misses.Count > 0)
        {
            // Not failed, not passed: listed so that a maintainer knows what a live run must still measure.
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### Needs live run ({misses.Count})");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Not in the response cache (replay mode), so not measured: neither passed nor failed, in no pass rate or aggregate. {misses.Count} of {runs.Sum(r => r.Rows)} rows.");
            md.AppendLine();
            foreach (var (suite, row) in misses.Take(MaxLiveRunListed))
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"- {MarkdownText.Cell(suite)} › {MarkdownText.Cell(row.DatapointId)} [{MarkdownText.Cell(row.ModelConfig)}]{(row.Location is null ? string.Empty : $" ({MarkdownText.Cell(row.Location)})")}");
            }

            if (misses.Count > MaxLiveRunListed)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- … and {misses.Count - MaxLiveRunListed} more (every one is in {MarkdownText.Cell(fullReport)})");
            }
        }

        var shown = 0;
        var total = failing.Sum(f => f.Count);
        if (total > 0)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### Failing datapoints ({total})");
            md.AppendLine();
            for (var i = 0; i < runs.Count; i++)
            {
                foreach (var row in failing[i])
                {
                    if (shown >= details)
                    {
                        break;
                    }

                    Details(md, runs[i].Suite, row, fieldLimit, runs[i].Datapoints is not null);
                    shown++;
                }
            }

            if (shown < total)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"_{total - shown} more failing datapoints were cut to stay under GitHub's limit of {limit:N0} bytes; the full report is in {MarkdownText.Cell(fullReport)}._");
                md.AppendLine();
            }
        }

        return md.ToString();
    }

    /// <summary>
    /// Repeated runs (<c>run.repeat</c>): datapoints decided by k of n, pass@k and pass^k per model config, and a
    /// short list of the flaky datapoints.
    /// </summary>
    private static void Trials(StringBuilder md, List<RunResult> runs)
    {
        var repeated = runs.Where(r => r.Datapoints is not null).ToList();
        if (repeated.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("### Repeated trials");
        md.AppendLine();
        md.AppendLine("| suite | model config | trials | min passes | pass@k | pass^k |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var run in repeated)
        {
            foreach (var model in run.Models.Where(m => m.PassAtK is not null))
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {MarkdownText.Cell(run.Suite)} | {MarkdownText.Cell(model.Name)} | {run.Datapoints!.Repeat} | {run.Datapoints.MinPasses} | {Percent(model.PassAtK!.Value)} | {Percent(model.PassHatK!.Value)} |");
            }
        }

        md.AppendLine();
        foreach (var run in repeated)
        {
            var d = run.Datapoints!;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- **{MarkdownText.Cell(run.Suite)}**: {d.Total} datapoints, {d.Passed} passed, {d.Failed} failed, {d.Errored} errored, {d.Flaky} flaky (k = {d.Repeat} trials each, passing with at least {d.MinPasses})");
        }

        var flaky = repeated.Where(r => r.Datapoints!.Flaky > 0).ToList();
        if (flaky.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"#### Flaky datapoints ({flaky.Sum(r => r.Datapoints!.Flaky)})");
        md.AppendLine();
        md.AppendLine("Some trials passed and some did not: the answer depends on the draw.");
        md.AppendLine();
        foreach (var run in flaky)
        {
            var d = run.Datapoints!;
            foreach (var datapoint in d.FlakyDatapoints.Take(MaxFlakyListed))
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"- {MarkdownText.Cell(run.Suite)} › {MarkdownText.Cell(datapoint.Id)} [{MarkdownText.Cell(datapoint.ModelConfig)}]: {datapoint.Passed} of {datapoint.Trials} trials passed{(datapoint.Met ? string.Empty : " (below min passes)")}");
            }

            var listed = Math.Min(MaxFlakyListed, d.FlakyDatapoints.Count);
            if (d.Flaky > listed)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- … and {d.Flaky - listed} more in {MarkdownText.Cell(run.Suite)}");
            }
        }
    }

    private static void Details(StringBuilder md, string suite, Row row, int limit, bool repeated)
    {
        var trial = repeated ? $" (trial {row.Trial})" : string.Empty;
        md.AppendLine(CultureInfo.InvariantCulture,
            // Inside an HTML block GitHub applies no Markdown: HTML escaping only, or backslashes would show.
            $"<details><summary>{(row.Outcome == Outcome.Error ? "⚠️" : "❌")} {MarkdownText.Html(suite)} › {MarkdownText.Html(row.DatapointId)} [{MarkdownText.Html(row.ModelConfig)}]{trial}: {ReportValues.Outcome(row)}</summary>");
        md.AppendLine();
        if (row.FailedRules.Count > 0)
        {
            md.AppendLine("**Failed rules**");
            md.AppendLine();
            foreach (var rule in row.FailedRules)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {MarkdownText.Cell(rule)}");
            }

            md.AppendLine();
        }

        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| input | {MarkdownText.Cell(MarkdownText.Cut(row.Input, limit))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| expected | {MarkdownText.Cell(MarkdownText.Cut(row.Expected, limit))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| response | {MarkdownText.Cell(MarkdownText.Cut(row.Log.Response ?? string.Empty, limit))} |");
        foreach (var (column, value) in ReportValues.Columns(row))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Cell(column)} | {MarkdownText.Cell(MarkdownText.Cut(ReportValues.Show(value), limit))} |");
        }

        if (row.Error is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| error | {MarkdownText.Cell(MarkdownText.Cut(row.Error.Message, limit))} |");
        }

        if (row.Location is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| datapoint | {MarkdownText.Cell(row.Location)} |");
        }

        md.AppendLine();
        if (row.Log.Steps is { Count: > 0 })
        {
            Trajectory(md, row.Log, limit);
        }

        md.AppendLine("</details>");
        md.AppendLine();
    }

    /// <summary>
    /// The row's trajectory as a numbered list, one step a line. Its size follows the field limit the report is
    /// rendered with: each name, argument and result is cut to a short length, and of a long run only the first and
    /// last steps are listed, with how many were omitted between them.
    /// </summary>
    private static void Trajectory(StringBuilder md, Logs.Log log, int fieldLimit)
    {
        var steps = log.Steps!;
        var (most, cap) = fieldLimit switch { >= 4000 => (30, 250), >= 1000 => (16, 150), _ => (8, 60) };
        var (head, tail) = TrajectoryText.Shown(steps.Count, most);
        md.AppendLine(CultureInfo.InvariantCulture, $"**Trajectory** {MarkdownText.Cell($"({TrajectoryText.Heading(log)})")}");
        md.AppendLine();
        // Each step is escaped as one line (newlines become <br>): tool output can start no list item or block of its own.
        for (var i = 0; i < head; i++)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"{i + 1}. {MarkdownText.Cell(TrajectoryText.Step(steps[i], cap))}");
        }

        if (tail > 0)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"_… {steps.Count - head - tail} steps omitted …_");
            md.AppendLine();
            for (var i = steps.Count - tail; i < steps.Count; i++)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"{i + 1}. {MarkdownText.Cell(TrajectoryText.Step(steps[i], cap))}");
            }
        }

        md.AppendLine();
    }

    /// <summary>Each suite's side-by-side pivot (null for a suite with one model config) and how many datapoints each shows.</summary>
    private sealed record Sections(IReadOnlyList<ModelsSection.Pivot?> Pivots, int Lines);

    // The verdict's reasons, each cut to the field limit: a provider's or a row's message can be a whole page, and an
    // uncut one would leave the comment no room but for its headline.
    private static string Reason(RunResult run, int fieldLimit) =>
        run.Reasons is { Count: > 0 } && RunResult.Sentences(run.Reasons) == run.Reason
            ? RunResult.Sentences(run.Reasons.Select(r => r with { Message = MarkdownText.Cut(r.Message, fieldLimit) }))
            : MarkdownText.Cut(run.Reason, fieldLimit);

    // The runs' verdict as the run results decided it: an unmeasured run is never headed as a pass.
    private static string Headline(List<RunResult> runs) => RunResult.VerdictOf(runs) switch
    {
        Verdict.Pass or Verdict.Skipped => "✅",
        Verdict.Unmeasured => "⏳",
        _ => "❌",
    };

    private static string Word(List<RunResult> runs) => RunResult.VerdictOf(runs) switch
    {
        Verdict.Pass or Verdict.Skipped => "passed",
        Verdict.Unmeasured => "not decided",
        _ => runs.Any(r => r.Verdict == Verdict.Fail) ? "failed" : runs.Any(r => r.Verdict == Verdict.Cancelled) ? "was cancelled" : "could not measure",
    };

    // In replay mode, how much was measured, said in the headline whatever the verdict.
    private static string Unmeasured(List<RunResult> runs)
    {
        var excluded = runs.Sum(r => r.Excluded);
        return excluded == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" — {runs.Sum(r => r.Measured)} of {runs.Sum(r => r.Rows)} measured; {excluded} {(excluded == 1 ? "needs" : "need")} a live run");
    }

    private static string Icon(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "✅",
        Verdict.Fail => "❌",
        Verdict.Skipped => "⏭️",
        Verdict.Unmeasured => "⏳",
        _ => "⚠️",
    };

    private static string Usd(double value) => ValueText.Usd(value);

    private static string Percent(double value) => ValueText.Percent(value);
}

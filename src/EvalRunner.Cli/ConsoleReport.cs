using System.Globalization;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using Spectre.Console;

namespace EvalRunner.Cli;

/// <summary>The end-of-run summary: verdict, per model config table, aggregate thresholds, and the first failing rows.</summary>
internal static class ConsoleReport
{
    private const int MaxFailuresShown = 10;

    public static void Print(RunResult result)
    {
        var models = new Table().Border(TableBorder.Rounded).Title("[bold]Model configs[/]");
        foreach (var column in new[] { "model config", "rows", "passed", "failed", "errors", "pass rate", "mean latency", "tokens in/out", "cache hits", "cost" })
        {
            models.AddColumn(column);
        }

        foreach (var model in result.Models)
        {
            models.AddRow(
                Markup.Escape(model.Name),
                model.Rows.ToString(CultureInfo.InvariantCulture),
                $"[green]{model.Passed}[/]",
                model.Failed > 0 ? $"[red]{model.Failed}[/]" : "0",
                model.Errors > 0 ? $"[yellow]{model.Errors}[/]" : "0",
                model.PassRate.ToString("P1", CultureInfo.InvariantCulture),
                $"{model.MeanLatencyMs:0} ms",
                $"{model.InputTokens}/{model.OutputTokens}",
                model.CacheHits.ToString(CultureInfo.InvariantCulture),
                ValueText.Usd(model.CostUsd + model.JudgeCostUsd));
        }

        AnsiConsole.Write(models);
        PrintTrials(result);

        var configs = ModelsSection.Configs(result);
        if (result.Aggregates.Count > 0 && configs.Count >= 2)
        {
            // Several model configs: each rule once, a column per config, to compare them side by side.
            var sideBySide = new Table().Border(TableBorder.Rounded).Title("[bold]Aggregate thresholds by model config[/]");
            sideBySide.AddColumn("rule");
            foreach (var config in configs)
            {
                sideBySide.AddColumn(new TableColumn(Escape(config)).RightAligned());
            }

            foreach (var (rule, results) in ModelsSection.Aggregates(result, configs))
            {
                sideBySide.AddRow([Markup.Escape(rule), .. results.Select(r => r is null ? "–" : $"{Markup.Escape(ReportValues.WithInterval(r))} {(r.Passed ? "[green]pass[/]" : "[red]FAIL[/]")}")]);
            }

            AnsiConsole.Write(sideBySide);
        }
        else if (result.Aggregates.Count > 0)
        {
            var aggregates = new Table().Border(TableBorder.Rounded).Title("[bold]Aggregate thresholds[/]");
            aggregates.AddColumn("rule").AddColumn("model config").AddColumn("value [[95% interval]]").AddColumn("");
            foreach (var aggregate in result.Aggregates)
            {
                aggregates.AddRow(
                    Markup.Escape(aggregate.Rule),
                    Markup.Escape(aggregate.ModelConfig),
                    Markup.Escape(ReportValues.WithInterval(aggregate)),
                    aggregate.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
            }

            AnsiConsole.Write(aggregates);
        }

        PrintFailures(result);
        PrintNeedsLiveRun(result);
        if (result.Repaid > 0)
        {
            AnsiConsole.MarkupLine($"[yellow]resumed: {result.Repaid} generation(s) paid again[/] (sent by the interrupted run, which stopped before their rows were written)");
        }

        foreach (var warning in result.Warnings)
        {
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {Escape(warning)}");
        }

        if (ReportValues.Provider(result) is { } provider)
        {
            AnsiConsole.MarkupLine($"[grey]provider: {Markup.Escape(provider)}[/]");
        }
        else if (result.Concurrency is { } concurrency)
        {
            AnsiConsole.MarkupLine($"[grey]provider: concurrency {concurrency.Effective} of {concurrency.Configured}, no retries[/]");
        }

        if (ReportValues.Agents(result) is { } agents)
        {
            AnsiConsole.MarkupLine($"[grey]agents: {Markup.Escape(agents)}[/]");
        }

        PrintComparison(result);
        var colour = result.Verdict switch { Verdict.Pass => "green", Verdict.Fail => "red", Verdict.Skipped => "grey", _ => "yellow" };
        AnsiConsole.MarkupLine($"[bold {colour}]{result.Verdict.ToString().ToUpperInvariant()}[/] {Escape(result.Suite)}: {Escape(result.Reason)}");
        AnsiConsole.MarkupLine($"[grey]results: {Markup.Escape(Path.Combine(result.OutputDirectory, result.Results))}[/]");
        AnsiConsole.WriteLine();
    }

    /// <summary>The comparison with the baseline: headline, the gate's sentence, each regression rule, the regressions first.</summary>
    public static void PrintComparison(RunResult result)
    {
        if (result.Baseline is not { } comparison)
        {
            return;
        }

        var headline = EvalRunner.Reports.ComparisonSection.Headline(comparison);
        AnsiConsole.MarkupLine($"[bold]compared with baseline:[/] {Escape(headline)}");
        AnsiConsole.MarkupLine($"{(comparison.Baseline.Stale ? "[yellow]baseline (stale):[/]" : "[grey]baseline:[/]")} {Escape(EvalRunner.Comparisons.ComparisonText.Identity(comparison.Baseline))}");
        if (comparison.Rules.Count > 0)
        {
            var rules = new Table().Border(TableBorder.Rounded).Title("[bold]Regression rules[/]");
            rules.AddColumn("rule").AddColumn("model config").AddColumn("base").AddColumn("head").AddColumn("Δ").AddColumn("p (Holm)").AddColumn("");
            foreach (var rule in comparison.Rules)
            {
                rules.AddRow(
                    Escape(rule.Rule),
                    Escape(rule.ModelConfig),
                    EvalRunner.Comparisons.ComparisonText.Number(rule.Base),
                    EvalRunner.Comparisons.ComparisonText.Number(rule.Head),
                    EvalRunner.Comparisons.ComparisonText.Signed(rule.Delta),
                    rule.PAdjusted is { } p ? EvalRunner.Comparisons.ComparisonText.P(p) : string.Empty,
                    rule.Decision switch
                    {
                        EvalRunner.Results.RuleDecision.Broken => "[red]BROKEN[/]",
                        EvalRunner.Results.RuleDecision.Held => "[green]held[/]",
                        _ => "[grey]not decided[/]",
                    } + (EvalRunner.Comparisons.ComparisonText.Note(rule) is { } note ? $": {Escape(note)}" : string.Empty));
            }

            AnsiConsole.Write(rules);
        }

        foreach (var change in comparison.RegressionRows.Take(MaxFailuresShown))
        {
            AnsiConsole.MarkupLine($"[red]regression[/] {Escape(change.DatapointId)} [[{Escape(change.ModelConfig)}]]: {Escape(string.Join("; ", change.HeadProblems))}");
        }

        if (comparison.Regressions > Math.Min(MaxFailuresShown, comparison.RegressionRows.Count))
        {
            AnsiConsole.MarkupLine($"[grey]… and {comparison.Regressions - Math.Min(MaxFailuresShown, comparison.RegressionRows.Count)} more regressions[/]");
        }

        var colour = comparison.Regressed ? "red" : "grey";
        AnsiConsole.MarkupLine($"[{colour}]{Escape(comparison.Gate)}[/]");
    }

    /// <summary>Reads the failing rows back from results.jsonl, so the run itself never holds rows in memory.</summary>
    private static void PrintFailures(RunResult result)
    {
        if (result.Failed + result.Errors == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Failing rows[/] (first {MaxFailuresShown})");
        table.AddColumn("datapoint").AddColumn("model config").AddColumn("outcome").AddColumn("why");
        var shown = 0;
        foreach (var row in ResultsStore.ReadRows(result.OutputDirectory, result.Results).Where(r => r.Outcome != Outcome.Pass && !r.NeedsLiveRun))
        {
            var why = row.Outcome == Outcome.Error ? row.Error?.Message ?? string.Empty : string.Join("\n", row.FailedRules);
            if (row.Log.Status is { } status)
            {
                why = $"[{ReportValues.Status(status)}] {why}";
            }

            table.AddRow(
                Escape(row.Trial > 1 || result.Datapoints is not null ? $"{row.DatapointId} (trial {row.Trial})" : row.DatapointId),
                Markup.Escape(row.ModelConfig),
                row.Outcome == Outcome.Error ? $"[yellow]{Markup.Escape(ReportValues.Kind(row.Error))}[/]" : "[red]fail[/]",
                Escape(why.Length > 300 ? why[..300] + "…" : why));
            if (++shown == MaxFailuresShown)
            {
                break;
            }
        }

        AnsiConsole.Write(table);
    }

    /// <summary>A repeated run: the datapoints decided by k of n, pass@k and pass^k per model config, and the flaky datapoints.</summary>
    private static void PrintTrials(RunResult result)
    {
        if (result.Datapoints is not { } datapoints)
        {
            return;
        }

        AnsiConsole.MarkupLine(
            $"[bold]{datapoints.Repeat} trials each[/], passing with at least {datapoints.MinPasses}: {datapoints.Total} datapoints, "
            + $"[green]{datapoints.Passed} passed[/], {(datapoints.Failed > 0 ? $"[red]{datapoints.Failed} failed[/]" : "0 failed")}, "
            + $"{(datapoints.Errored > 0 ? $"[yellow]{datapoints.Errored} errored[/]" : "0 errored")}, {(datapoints.Flaky > 0 ? $"[yellow]{datapoints.Flaky} flaky[/]" : "0 flaky")}");
        foreach (var model in result.Models.Where(m => m.PassAtK is not null))
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(model.Name)}: pass@{datapoints.Repeat} {ValueText.Percent(model.PassAtK!.Value)}, pass^{datapoints.Repeat} {ValueText.Percent(model.PassHatK!.Value)}");
        }

        if (datapoints.Flaky > 0)
        {
            var listed = datapoints.FlakyDatapoints.Select(f => $"{f.Id} [{f.ModelConfig}] {f.Passed}/{f.Trials}");
            AnsiConsole.MarkupLine($"[yellow]flaky datapoints[/] (some trials passed, some did not): "
                + Escape(string.Join(", ", listed) + (datapoints.Flaky > datapoints.FlakyDatapoints.Count ? $", … ({datapoints.Flaky - datapoints.FlakyDatapoints.Count} more in run.json's count)" : string.Empty)));
        }
    }

    /// <summary>In replay mode, the datapoints not in the response cache: not measured, neither passed nor failed.</summary>
    private static void PrintNeedsLiveRun(RunResult result)
    {
        if (result.Excluded == 0)
        {
            return;
        }

        // Rows are in the order they finished; the list is in a stable order.
        var names = ResultsStore.ReadRows(result.OutputDirectory, result.Results).Where(r => r.NeedsLiveRun)
            .OrderBy(r => r.ModelConfig, StringComparer.Ordinal).ThenBy(r => r.DatapointId, StringComparer.Ordinal)
            .Select(r => $"{r.DatapointId} [{r.ModelConfig}]").Take(MaxFailuresShown * 2).ToList();
        AnsiConsole.MarkupLine($"[yellow]needs live run: {result.Excluded} of {result.Rows} rows[/] (not in the response cache; not measured): "
            + Escape(string.Join(", ", names) + (result.Excluded > names.Count ? ", …" : string.Empty)));
    }

    /// <summary>Text from a model or a dataset for the console: markup escaped, bidirectional controls shown as markers.</summary>
    private static string Escape(string text) => Markup.Escape(BidiText.Neutralise(text));
}

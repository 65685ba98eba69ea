using System.Globalization;
using EvalRunner.Reports;
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
                "$" + (model.CostUsd + model.JudgeCostUsd).ToString("0.####", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(models);

        if (result.Aggregates.Count > 0)
        {
            var aggregates = new Table().Border(TableBorder.Rounded).Title("[bold]Aggregate thresholds[/]");
            aggregates.AddColumn("rule").AddColumn("model config").AddColumn("value").AddColumn("");
            foreach (var aggregate in result.Aggregates)
            {
                aggregates.AddRow(
                    Markup.Escape(aggregate.Rule),
                    Markup.Escape(aggregate.ModelConfig),
                    aggregate.Value is { } value ? value.ToString("0.####", CultureInfo.InvariantCulture) : "n/a",
                    aggregate.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
            }

            AnsiConsole.Write(aggregates);
        }

        PrintFailures(result);
        if (result.Repaid > 0)
        {
            AnsiConsole.MarkupLine($"[yellow]resumed: {result.Repaid} generation(s) paid again[/] (sent by the interrupted run, which stopped before their rows were written)");
        }

        foreach (var warning in result.Warnings)
        {
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        }

        if (ReportValues.Provider(result) is { } provider)
        {
            AnsiConsole.MarkupLine($"[grey]provider: {Markup.Escape(provider)}[/]");
        }
        else if (result.Concurrency is { } concurrency)
        {
            AnsiConsole.MarkupLine($"[grey]provider: concurrency {concurrency.Effective} of {concurrency.Configured}, no retries[/]");
        }

        var colour = result.Verdict switch { Verdict.Pass => "green", Verdict.Fail => "red", _ => "yellow" };
        AnsiConsole.MarkupLine($"[bold {colour}]{result.Verdict.ToString().ToUpperInvariant()}[/] {Markup.Escape(result.Suite)}: {Markup.Escape(result.Reason)}");
        AnsiConsole.MarkupLine($"[grey]results: {Markup.Escape(Path.Combine(result.OutputDirectory, result.Results))}[/]");
        AnsiConsole.WriteLine();
    }

    /// <summary>Reads the failing rows back from results.jsonl, so the run itself never holds rows in memory.</summary>
    private static void PrintFailures(RunResult result)
    {
        if (result.Failed + result.Errors + result.Excluded == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Failing rows[/] (first {MaxFailuresShown})");
        table.AddColumn("datapoint").AddColumn("model config").AddColumn("outcome").AddColumn("why");
        var shown = 0;
        foreach (var row in ResultsStore.ReadRows(result.OutputDirectory, result.Results).Where(r => r.Outcome != Outcome.Pass))
        {
            var why = row.Outcome == Outcome.Error ? row.Error?.Message ?? string.Empty : string.Join("\n", row.FailedRules);
            if (row.Log.Status is { } status)
            {
                why = $"[{ReportValues.Status(status)}] {why}";
            }

            table.AddRow(
                Markup.Escape(row.DatapointId),
                Markup.Escape(row.ModelConfig),
                row.Outcome == Outcome.Error ? $"[yellow]{Markup.Escape(ReportValues.Kind(row.Error))}[/]" : "[red]fail[/]",
                Markup.Escape(why.Length > 300 ? why[..300] + "…" : why));
            if (++shown == MaxFailuresShown)
            {
                break;
            }
        }

        AnsiConsole.Write(table);
    }
}

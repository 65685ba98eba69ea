using EvalRunner.Comparisons;
using EvalRunner.Reports;
using EvalRunner.Runs;
using EvalRunner.Suites;
using Spectre.Console;

namespace EvalRunner.Cli;

/// <summary><c>evalrunner compare BASE HEAD</c> and <c>report --baseline</c>: a results directory compared with a baseline's.</summary>
internal static class CompareCommand
{
    /// <summary>Compares every suite of <paramref name="head"/> with the run of the same suite in <paramref name="baseline"/>: 0 no regression, 1 a regression, 2 an error.</summary>
    public static async Task<int> RunAsync(string baseline, string head, string? suitePath, Settings settings, CancellationToken cancellationToken)
    {
        foreach (var (name, path) in new[] { ("BASE", baseline), ("HEAD", head) })
        {
            if (!Directory.Exists(path))
            {
                Commands.PrintError($"{name} {path}: no such directory; give a results directory (--out of `evalrunner run`, or one suite's folder)");
                return ExitCodes.Invalid;
            }

            if (ResultsStore.FindRuns(path).Count == 0)
            {
                Commands.PrintError($"{name} {path}: no run.json there or in its subdirectories");
                return ExitCodes.Invalid;
            }
        }

        try
        {
            var regressed = false;
            var heads = await RunReport.ReadAllAsync(head, cancellationToken);
            foreach (var report in heads)
            {
                var comparison = await CompareAsync(report.Run, baseline, suitePath, settings, cancellationToken);
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(report.Run.Suite)}[/] [grey]({Markup.Escape(report.Directory)})[/]");
                ConsoleReport.PrintComparison(report.Run with { Baseline = comparison });
                AnsiConsole.WriteLine();
                regressed |= comparison.Regressed;
            }

            var headSuites = heads.Select(h => h.Run.Suite).ToHashSet(StringComparer.Ordinal);
            foreach (var missing in (await RunReport.ReadAllAsync(baseline, cancellationToken)).Where(b => !headSuites.Contains(b.Run.Suite)))
            {
                AnsiConsole.MarkupLine($"[grey]suite '{Markup.Escape(missing.Run.Suite)}' is in the baseline only; nothing to compare[/]");
            }

            return regressed ? ExitCodes.Failed : ExitCodes.Passed;
        }
        catch (System.Text.Json.JsonException ex)
        {
            Commands.PrintError(settings.Redact(ex.Message));
            return ExitCodes.Invalid;
        }
        catch (EvalRunnerException ex)
        {
            Commands.PrintError(ex, settings);
            return ExitCodes.Invalid;
        }
    }

    /// <summary>
    /// The head run compared with its suite's run under <paramref name="baseline"/>, by the rules of the suite at
    /// <paramref name="suitePath"/> (default: the suite file the head recorded, when it is still there).
    /// </summary>
    /// <exception cref="SuiteException">The suite given with --suite cannot be read.</exception>
    /// <exception cref="System.Text.Json.JsonException">A run.json of the baseline is not a run.</exception>
    public static async Task<Comparison> CompareAsync(RunResult head, string baseline, string? suitePath, Settings settings, CancellationToken cancellationToken)
    {
        Suite? suite = null;
        if (suitePath is not null)
        {
            suite = SuiteLoader.Load(suitePath, settings);
        }
        else if (File.Exists(head.SuitePath))
        {
            try
            {
                suite = SuiteLoader.Load(head.SuitePath, settings);
            }
            catch (EvalRunnerException)
            {
                // The suite changed into something unreadable since the run: compare by the default gate.
            }
        }

        var (directory, note) = await BaselineLocator.FindAsync(baseline, head.Suite, cancellationToken);
        return await ComparisonBuilder.BuildAsync(
            new ComparisonRequest
            {
                Head = head,
                HeadDirectory = head.OutputDirectory,
                BaseDirectory = directory,
                BaseNote = note ?? (directory is null ? $"no baseline at {baseline}" : null),
                Suite = suite,
                Options = suite?.Baseline ?? new BaselineOptions(),
                Now = TimeProvider.System.GetUtcNow(),
            },
            cancellationToken);
    }
}

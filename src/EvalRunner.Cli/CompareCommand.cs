using EvalRunner.Comparisons;
using EvalRunner.Reports;
using EvalRunner.Results;
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
        catch (Exception ex) when (ex is System.Text.Json.JsonException or EvalRunnerException)
        {
            return Unreadable(ex, settings);
        }
    }

    /// <summary>
    /// <c>evalrunner compare RUN --models A B</c>: in every suite of <paramref name="directory"/>, model config
    /// <paramref name="baseModel"/> (the base) compared with <paramref name="headModel"/> (the head) on the datapoints
    /// both answered, by the same engine and rules as two runs: 0 no regression, 1 a regression, 2 an error.
    /// </summary>
    public static async Task<int> RunModelsAsync(string directory, string baseModel, string headModel, string? suitePath, Settings settings, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory) || ResultsStore.FindRuns(directory).Count == 0)
        {
            Commands.PrintError($"{directory}: no run.json there or in its subdirectories; give a results directory (--out of `evalrunner run`, or one suite's folder)");
            return ExitCodes.Invalid;
        }

        try
        {
            var reports = await RunReport.ReadAllAsync(directory, cancellationToken);
            foreach (var report in reports)
            {
                var configs = ModelsSection.Configs(report.Run);
                if (new[] { baseModel, headModel }.FirstOrDefault(m => !configs.Contains(m, StringComparer.Ordinal)) is { } unknown)
                {
                    Commands.PrintError(settings.Redact($"--models: suite '{report.Run.Suite}' has no model config '{unknown}'{Suggest.DidYouMean(unknown, configs)}; its model configs: {string.Join(", ", configs)}"));
                    return ExitCodes.Invalid;
                }
            }

            var regressed = false;
            foreach (var report in reports)
            {
                var suite = LoadSuite(report.Run, suitePath, settings);
                var comparison = await ComparisonBuilder.BuildAsync(
                    new ComparisonRequest
                    {
                        Head = report.Run with { Models = [.. report.Run.Models.Where(m => m.Name == headModel)] },
                        HeadDirectory = report.Directory,
                        BaseDirectory = report.Directory,
                        Suite = suite,
                        Options = suite?.Baseline ?? new BaselineOptions(),
                        // One run: the base is as old as the head.
                        Now = report.Run.FinishedAt,
                        BaseModel = baseModel,
                        HeadModel = headModel,
                    },
                    cancellationToken);
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(report.Run.Suite)}[/]: model config [bold]{Markup.Escape(BidiText.Neutralise(baseModel))}[/] (base) compared with [bold]{Markup.Escape(BidiText.Neutralise(headModel))}[/] (head) on the same datapoints [grey]({Markup.Escape(report.Directory)})[/]");
                ConsoleReport.PrintComparison(report.Run with { Baseline = comparison });
                AnsiConsole.WriteLine();
                regressed |= comparison.Regressed;
            }

            return regressed ? ExitCodes.Failed : ExitCodes.Passed;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or EvalRunnerException)
        {
            return Unreadable(ex, settings);
        }
    }

    /// <summary>The suite given with --suite, else the one the run recorded while it still reads; null when neither.</summary>
    /// <exception cref="SuiteException">The suite given with --suite cannot be read.</exception>
    private static Suite? LoadSuite(RunResult run, string? suitePath, Settings settings)
    {
        if (suitePath is not null)
        {
            return SuiteLoader.Load(suitePath, settings);
        }

        if (File.Exists(run.SuitePath))
        {
            try
            {
                return SuiteLoader.Load(run.SuitePath, settings);
            }
            catch (EvalRunnerException)
            {
                // The suite changed into something unreadable since the run: compare by the default gate.
            }
        }

        return null;
    }

    /// <summary>
    /// The head run compared with its suite's run under <paramref name="baseline"/>, by the rules of the suite at
    /// <paramref name="suitePath"/> (default: the suite file the head recorded, when it is still there).
    /// </summary>
    /// <exception cref="SuiteException">The suite given with --suite cannot be read.</exception>
    /// <exception cref="System.Text.Json.JsonException">A run.json of the baseline is not a run.</exception>
    public static async Task<Comparison> CompareAsync(RunResult head, string baseline, string? suitePath, Settings settings, CancellationToken cancellationToken)
    {
        var suite = LoadSuite(head, suitePath, settings);

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

    /// <summary>A run.json that is not a run, or a suite that cannot be read: said, exit 2.</summary>
    private static int Unreadable(Exception exception, Settings settings)
    {
        if (exception is EvalRunnerException known)
        {
            Commands.PrintError(known, settings);
        }
        else
        {
            Commands.PrintError(settings.Redact(exception.Message));
        }

        return ExitCodes.Invalid;
    }
}

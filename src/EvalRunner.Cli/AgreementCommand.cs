using System.Globalization;
using EvalRunner.Results;
using EvalRunner.Reviews;
using EvalRunner.Suites;

namespace EvalRunner.Cli;

/// <summary>
/// <c>evalrunner agreement SUITE --evaluator NAME [--results DIR]</c>: how far the reviewers of an external evaluator
/// agree with each other, and with the run's evaluators of the same columns (an LLM judge), as Cohen's kappa.
/// </summary>
internal static class AgreementCommand
{
    public static async Task<int> RunAsync(string suitePath, string evaluator, string? results, bool allowOutsidePaths, Settings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReviewAgreementPair> pairs;
        try
        {
            var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = settings, AllowOutsidePaths = allowOutsidePaths });
            List<Row>? rows = null;
            if (results is not null)
            {
                // The --out of a run, or the suite's own folder in it.
                var directory = ResultsStore.SuiteDirectory(results, suite.Name);
                directory = File.Exists(Path.Combine(directory, ResultsStore.RowsFile)) ? directory : results;
                if (!File.Exists(Path.Combine(directory, ResultsStore.RowsFile)))
                {
                    Commands.PrintError($"--results {results}: no {ResultsStore.RowsFile} of suite '{suite.Name}' there (give the --out of a run of the suite, or its suite folder)");
                    return ExitCodes.Invalid;
                }

                rows = [.. ResultsStore.ReadRows(directory)];
            }

            pairs = await ReviewAgreement.ComputeAsync(suite, evaluator, rows, cancellationToken);
        }
        catch (EvalRunnerException ex)
        {
            Commands.PrintError(ex, settings);
            return ExitCodes.Invalid;
        }

        // A pair with no datapoint rated by both says nothing (a judge without a run given, a reviewer who started late).
        var unrated = pairs.Count(p => p.Datapoints == 0);
        pairs = [.. pairs.Where(p => p.Datapoints > 0)];
        if (pairs.Count == 0)
        {
            Console.WriteLine($"no two raters scored the same datapoints of '{evaluator}' (one reviewer or none, and no run given with --results)");
            return ExitCodes.Passed;
        }

        Console.WriteLine("column  rater  rater  datapoints  kappa  weighting");
        foreach (var pair in pairs)
        {
            var kappa = pair.Kappa is { } value ? value.ToString("0.000", CultureInfo.InvariantCulture) : "-";
            var weighting = pair.Weighting == ReviewWeighting.Quadratic ? "quadratic" : "cohen";
            Console.WriteLine(settings.Redact($"{evaluator}.{pair.Column}  {pair.RaterA}  {pair.RaterB}  {pair.Datapoints}  {kappa}  {weighting}"));
        }

        if (unrated > 0)
        {
            Console.WriteLine($"({unrated} pairs of raters with no datapoint scored by both left out)");
        }

        return ExitCodes.Passed;
    }
}

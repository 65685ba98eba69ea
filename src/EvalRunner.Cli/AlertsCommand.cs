using EvalRunner.Online;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Cli;

/// <summary><c>evalrunner alerts SUITE --format prometheus</c>: the suite's online thresholds as Prometheus alerting rules.</summary>
internal static class AlertsCommand
{
    /// <summary>
    /// Writes the rules and lists on standard error the thresholds PromQL cannot express: 0 when a rule was written or
    /// the suite has no rule over the window to write, 2 for a suite that cannot be read or none of whose window rules
    /// can be expressed.
    /// </summary>
    public static int Run(AlertsRequest request, Settings settings)
    {
        PrometheusRuleSet rules;
        Suite suite;
        try
        {
            suite = SuiteLoader.Load(request.Suite, new SuiteLoadOptions { Settings = settings, AllowOutsidePaths = request.AllowOutsidePaths });
            rules = PrometheusRules.Translate(
                suite,
                new PrometheusRulesRequest { SuitePath = request.Suite, Window = request.Window, For = request.For, Severity = request.Severity });
        }
        catch (EvalRunnerException ex)
        {
            Commands.PrintError(ex, settings);
            return ExitCodes.Invalid;
        }

        foreach (var rule in rules.Unexpressed)
        {
            Console.Error.WriteLine($"not expressible in PromQL, left to `evalrunner watch`: {rule}");
        }

        var windowRules = suite.Thresholds.Count(t => t.IsAggregate && !t.IsRegression);
        if (windowRules > 0 && rules.Written.Count == 0)
        {
            Commands.PrintError($"{request.Suite}: none of the {windowRules} aggregate thresholds of suite '{suite.Name}' can be a Prometheus alerting rule (see above); nothing was written");
            return ExitCodes.Invalid;
        }

        // Rule texts may hold ${VARIABLES}: what the settings know to be secret does not reach the file.
        var yaml = settings.Redact(rules.Yaml);
        if (request.OutFile is { } path)
        {
            try
            {
                AtomicFile.WriteAllText(path, yaml);
            }
            catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
            {
                Commands.PrintError(settings.Redact($"{path}: cannot write the rules: {ex.Message}"));
                return ExitCodes.Invalid;
            }

            Console.Error.WriteLine(rules.Written.Count == 0
                ? $"suite '{suite.Name}' has no aggregate threshold to alert on; wrote an empty rules file to {path}"
                : $"wrote {rules.Written.Count} alerting rule(s) of suite '{suite.Name}' to {path}");
        }
        else
        {
            Console.Out.Write(yaml);
        }

        return ExitCodes.Passed;
    }
}

using System.Globalization;
using System.Xml.Linq;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>
/// JUnit XML for CI systems and test-report actions: a testsuite per suite, a testcase per row (failure with the
/// failed rules, error with the error), and one testcase per suite for the aggregate thresholds.
/// </summary>
internal static class JunitReport
{
    /// <summary>Renders the reports as a JUnit XML document.</summary>
    public static string Render(IReadOnlyList<RunReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var suites = new XElement("testsuites", new XAttribute("name", "evalrunner"));
        int tests = 0, failures = 0, errors = 0;
        foreach (var report in reports)
        {
            var run = report.Run;
            var suite = new XElement("testsuite",
                new XAttribute("name", run.Suite),
                new XAttribute("timestamp", run.StartedAt.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
                new XAttribute("time", Seconds((run.FinishedAt - run.StartedAt).TotalMilliseconds)));
            int suiteTests = 0, suiteFailures = 0, suiteErrors = 0, suiteSkipped = 0;
            foreach (var row in report.Rows)
            {
                var testcase = new XElement("testcase",
                    new XAttribute("classname", run.Suite),
                    new XAttribute("name", $"{row.DatapointId} [{row.ModelConfig}]"),
                    new XAttribute("time", Seconds(row.Log.LatencyMs ?? 0)));
                if (ReportValues.Place(row) is ({ } file, var line))
                {
                    testcase.Add(new XAttribute("file", file), new XAttribute("line", line));
                }

                if (row.NeedsLiveRun)
                {
                    // Replay mode: not measured, neither failed nor errored.
                    testcase.Add(new XElement("skipped", new XAttribute("message", row.Error?.Message ?? "needs a live run")));
                    suiteSkipped++;
                }
                else if (row.Outcome == Outcome.Fail)
                {
                    testcase.Add(new XElement("failure", new XAttribute("message", string.Join("; ", row.FailedRules)), new XAttribute("type", "threshold"),
                        $"{string.Join("\n", row.FailedRules)}\n\nresponse: {row.Log.Response}"));
                    suiteFailures++;
                }
                else if (row.Outcome == Outcome.Error)
                {
                    testcase.Add(new XElement("error", new XAttribute("message", row.Error?.Message ?? "error"), new XAttribute("type", ReportValues.Kind(row.Error)), row.Error?.Message ?? string.Empty));
                    suiteErrors++;
                }

                suite.Add(testcase);
                suiteTests++;
            }

            var aggregate = new XElement("testcase", new XAttribute("classname", run.Suite), new XAttribute("name", "aggregate thresholds"), new XAttribute("time", "0"));
            var failed = run.Aggregates.Where(a => !a.Passed).ToList();
            if (failed.Count > 0)
            {
                var text = string.Join("\n", failed.Select(a => $"{a.Rule} [{a.ModelConfig}] was {ReportValues.WithInterval(a)}{(a.CoverageProblem is { } problem ? $" ({problem})" : string.Empty)}"));
                aggregate.Add(new XElement("failure", new XAttribute("message", text), new XAttribute("type", "aggregate"), text));
                suiteFailures++;
            }

            // A shard no datapoint hashed to ran nothing, and an unmeasured run decided nothing: the aggregate case is
            // skipped, not passed.
            if (run.Verdict is Results.Verdict.Skipped or Results.Verdict.Unmeasured)
            {
                aggregate.Add(new XElement("skipped", new XAttribute("message", run.Reason)));
                suiteSkipped++;
            }

            suite.Add(aggregate);
            suiteTests++;
            suite.Add(new XAttribute("tests", suiteTests), new XAttribute("failures", suiteFailures), new XAttribute("errors", suiteErrors), new XAttribute("skipped", suiteSkipped));
            suites.Add(suite);
            tests += suiteTests;
            failures += suiteFailures;
            errors += suiteErrors;
        }

        suites.Add(new XAttribute("tests", tests), new XAttribute("failures", failures), new XAttribute("errors", errors));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites).ToString(SaveOptions.None);
    }

    private static string Seconds(double milliseconds) => (milliseconds / 1000).ToString("0.###", CultureInfo.InvariantCulture);
}

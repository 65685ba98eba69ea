using System.Xml.Linq;
using EvalRunner.Reports;
using EvalRunner.Testing;
using EvalRunner.Tests.GitHub;

namespace EvalRunner.Tests.Reports;

public sealed class JunitReportTests
{
    [Fact]
    public async Task JUnit_XML_has_a_testsuite_per_suite_a_testcase_per_row_and_failures_with_the_failed_rules()
    {
        var reports = await RunReport.ReadAllAsync(ReportFixture.FixedResults, TestContext.Current.CancellationToken);

        var xml = XDocument.Parse(JunitReport.Render(reports));

        // The JUnit schema's required structure: testsuites > testsuite[name, tests, failures, errors] > testcase[name, classname].
        var root = xml.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        var suites = root.Elements("testsuite").ToList();
        Assert.Equal(["failing", "support-quickstart"], suites.Select(s => (string)s.Attribute("name")!));
        foreach (var suite in suites)
        {
            var cases = suite.Elements("testcase").ToList();
            Assert.Equal((int)suite.Attribute("tests")!, cases.Count);
            Assert.Equal((int)suite.Attribute("failures")!, cases.Count(c => c.Element("failure") is not null));
            Assert.Equal((int)suite.Attribute("errors")!, cases.Count(c => c.Element("error") is not null));
            Assert.All(cases, c => Assert.NotNull(c.Attribute("classname")));
        }

        Assert.Equal(15, (int)root.Attribute("tests")!);
        var failing = suites[0].Elements("testcase").ToDictionary(c => (string)c.Attribute("name")!);
        Assert.Contains("contains: no 'value' configured", (string)failing["no-expected [echo]"].Element("error")!.Attribute("message")!, StringComparison.Ordinal);
        Assert.Equal("mean(contains.passed) >= 0.9 [echo] was 0 [0, 0.5615]", (string)failing["aggregate thresholds"].Element("failure")!.Attribute("message")!);
        Assert.Equal("tests/fixtures/FailingEvals/evals/failing.eval.yaml", (string)failing["no-expected [echo]"].Attribute("file")!);
    }

    [Fact(Timeout = 60000)]
    public async Task Datapoints_that_need_a_live_run_and_the_aggregate_case_of_an_unmeasured_run_are_skipped_never_errors_or_passes()
    {
        using var dir = new TempDirectory();
        var reports = await GitHubReporterTests.UnmeasuredAsync(dir).WaitAsync(TestContext.Current.CancellationToken);

        var suite = XDocument.Parse(JunitReport.Render(reports)).Root!.Element("testsuite")!;

        var cases = suite.Elements("testcase").ToDictionary(c => (string)c.Attribute("name")!);
        Assert.Equal((0, 10), ((int)suite.Attribute("errors")!, (int)suite.Attribute("skipped")!));
        Assert.Null(cases["d0 [gpt]"].Element("skipped"));
        Assert.Contains("needs a live run", (string)cases["d5 [gpt]"].Element("skipped")!.Attribute("message")!, StringComparison.Ordinal);
        Assert.Contains("1 of 10 measured", (string)cases["aggregate thresholds"].Element("skipped")!.Attribute("message")!, StringComparison.Ordinal);
    }
}

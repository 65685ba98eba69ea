using System.Text.Json;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Runs;

/// <summary>
/// A run session decides each datapoint (k of n, <c>run.fail_on_error</c>) as its verdict counts it, and writes a
/// warning decided on its verdict into the one run.json it writes: what a front end such as xunit only reads.
/// </summary>
public sealed class DatapointDecisionTests
{
    private static string Suite(bool failOnError) => $"""
        name: decided
        dataset:
          - {"{"}id: steady, input: "say hello", expected: hello{"}"}
          - {"{"}id: broken, input: "say hello", expected: hello{"}"}
        evaluators:
          - type: contains
        thresholds:
          - contains.passed == true
        run:
          repeat: 3
          min_passes: 2
          fail_on_error: {(failOnError ? "true" : "false")}
        """;

    private static Log Answer(string response) => new() { ModelConfig = "supplied", Model = "application", Response = response };

    private static Log Failure() => new()
    {
        ModelConfig = "supplied",
        Model = "application",
        Error = new RunError { Kind = ErrorKind.Generation, Source = "supplied", Message = "the application failed: boom" },
    };

    [Theory(Timeout = 60000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_repeated_datapoint_whose_trials_errored_fails_the_run_exactly_when_its_decision_says_so(bool failOnError)
    {
        using var dir = new TempDirectory();
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(dir.File("decided.eval.yaml", Suite(failOnError)), settings, []);
        var datapoints = await suite.ReadDatapointsAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        var session = await new RunEngine(settings).StartAsync(suite, new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out") }, TestContext.Current.CancellationToken);
        List<Row> steady = [], broken = [];
        for (var trial = 1; trial <= 3; trial++)
        {
            steady.Add(await session.EvaluateTrialAsync(datapoints[0], Answer("hello"), trial, TestContext.Current.CancellationToken));
            broken.Add(await session.EvaluateTrialAsync(datapoints[1], trial == 3 ? Answer("hello") : Failure(), trial, TestContext.Current.CancellationToken));
        }

        var steadyDecision = session.Decide("steady", "supplied", steady);
        var brokenDecision = session.Decide("broken", "supplied", broken);
        var result = await session.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Outcome.Pass, steadyDecision.Outcome);
        Assert.False(steadyDecision.FailsRun);
        Assert.Equal(Outcome.Error, brokenDecision.Outcome);
        Assert.Equal((1, 3), (brokenDecision.Passed, brokenDecision.Measured));
        Assert.Equal(failOnError, brokenDecision.FailsRun);
        Assert.Equal(failOnError, result.Reasons.Any(r => r.Kind == VerdictReasonKind.RowsErrored));
        Assert.Equal(failOnError ? 1 : 0, result.ExitCode);
    }

    [Fact(Timeout = 60000)]
    public async Task A_datapoint_with_no_row_when_the_run_ended_is_decided_as_not_run_with_the_runs_reason()
    {
        using var dir = new TempDirectory();
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(dir.File("decided.eval.yaml", Suite(failOnError: true)), settings, []);
        var session = await new RunEngine(settings).StartAsync(suite, new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out") }, TestContext.Current.CancellationToken);
        await session.CompleteAsync(TestContext.Current.CancellationToken);

        var decision = session.Decide("steady", "supplied", []);

        Assert.Null(decision.Outcome);
        Assert.True(decision.NotRun);
        Assert.Contains("not run", decision.Why, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_warning_decided_on_the_verdict_is_in_the_run_json_the_session_writes_once()
    {
        using var dir = new TempDirectory();
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(dir.File("decided.eval.yaml", Suite(failOnError: true)), settings, []);
        var datapoints = await suite.ReadDatapointsAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        var session = await new RunEngine(settings).StartAsync(suite, new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out") }, TestContext.Current.CancellationToken);
        for (var trial = 1; trial <= 3; trial++)
        {
            await session.EvaluateTrialAsync(datapoints[0], Answer("hello"), trial, TestContext.Current.CancellationToken);
        }

        var result = await session.CompleteAsync(decided => $"checked by no test case; the verdict is {decided.Verdict.ToString().ToLowerInvariant()}");

        Assert.Contains("checked by no test case; the verdict is pass", result.Warnings);
        var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "run.json"))).RootElement;
        Assert.Contains("checked by no test case; the verdict is pass", written.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("pass", written.GetProperty("verdict").GetString());
    }
}

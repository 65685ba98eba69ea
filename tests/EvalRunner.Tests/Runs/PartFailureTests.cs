using EvalRunner.Cli;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Runs;

/// <summary>A part that cannot be started ends the run as an error naming the part, never as an unexplained fault.</summary>
public sealed class PartFailureTests
{
    /// <summary>An evaluator kind whose factory fails, as a part built on a library that throws at construction does.</summary>
    private sealed record FailingSpec : EvaluatorSpec
    {
        internal override IEvaluator Build(RunServices services) =>
            throw new InvalidOperationException("the client library refused its options");
    }

    [Fact(Timeout = 60000)]
    public async Task An_evaluator_whose_factory_throws_is_a_suite_error_naming_the_evaluator_and_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("s.eval.yaml", "dataset:\n  - {id: a, input: hi, generated_response: hi}\nevaluators:\n  - type: length\n");
        var settings = TestSettings.With();
        var loaded = SuiteLoader.Load(path, settings);
        var suite = loaded with
        {
            Evaluators = [.. loaded.Evaluators, new FailingSpec { Name = "broken", Columns = [], Location = new SourceLocation(path, 9, 5) }],
        };

        var ex = await Assert.ThrowsAsync<SuiteException>(() =>
            new RunEngine(settings).RunAsync(suite, new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out") }, TestContext.Current.CancellationToken));

        Assert.Equal($"{path}:9:5: evaluator 'broken' could not be started: the client library refused its options", ex.Message);
    }

    [Fact]
    public void The_clis_last_resort_prints_one_line_without_a_stack_trace_and_exits_2()
    {
        var error = new StringWriter();
        var exception = new InvalidOperationException("something no input check foresaw", new IOException("inner"));

        var exitCode = Commands.LastResort(exception, TestSettings.With(), error);

        Assert.Equal(2, exitCode);
        var text = error.ToString();
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: ", text, StringComparison.Ordinal);
        Assert.Contains("something no input check foresaw", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
    }
}

using EvalRunner.Evaluators.Python;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Evaluators;

/// <summary>The Python evaluator's pool of pipelined worker processes, on the real python3.</summary>
public sealed class PythonPoolTests
{
    // main() by datapoint id: "wait" holds until "go" has been called (in another process), "crash" ends its process,
    // "slow" sleeps 6 s; every call returns its process id.
    private const string Evaluator = """
        import os, sys, time
        def main(id, **kwargs):
            if id == "wait":
                for _ in range(2000):
                    if os.path.exists("go.txt"):
                        break
                    time.sleep(0.01)
                else:
                    raise TimeoutError("go was never called in another process")
            if id == "go":
                open("go.txt", "w").close()
            if id == "crash":
                os._exit(3)
            if id == "slow":
                time.sleep(6)
            return {"pid": os.getpid()}
        """;

    private static PythonPool Pool(TempDirectory dir, int workers, TimeSpan timeout)
    {
        dir.File("evaluator.py", Evaluator);
        return new PythonPool("python3", new PythonSource { File = Path.Combine(dir.Path, "evaluator.py"), ShownName = "evaluator.py" }, dir.Path, timeout, workers);
    }

    private static async Task<long> PidAsync(PythonPool pool, string id, CancellationToken cancellationToken) =>
        (await pool.CallAsync(new Dictionary<string, string> { ["id"] = id }, cancellationToken)).GetProperty("pid").GetInt64();

    [Fact(Timeout = 120000)]
    public async Task A_second_worker_process_starts_when_the_first_is_busy()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await using var pool = Pool(dir, workers: 2, TimeSpan.FromSeconds(60));
        var first = await PidAsync(pool, "warm", cancel);

        // "wait" runs in the first process until "go" has run: "go" can only run in a second process.
        var waiting = PidAsync(pool, "wait", cancel);
        var go = await PidAsync(pool, "go", cancel);

        Assert.Equal(first, await waiting);
        Assert.NotEqual(first, go);
    }

    [Fact(Timeout = 120000)]
    public async Task With_one_worker_calls_are_pipelined_through_one_process_in_order()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await using var pool = Pool(dir, workers: 1, TimeSpan.FromSeconds(60));

        var pids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => PidAsync(pool, "d" + i, cancel)));

        Assert.Single(pids.Distinct());
    }

    [Fact(Timeout = 120000)]
    public async Task Calls_queued_behind_a_crash_go_to_a_new_process_and_only_the_crashing_call_fails()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await using var pool = Pool(dir, workers: 1, TimeSpan.FromSeconds(60));
        var before = await PidAsync(pool, "warm", cancel);

        var crash = PidAsync(pool, "crash", cancel);
        var behind = Enumerable.Range(0, 5).Select(i => PidAsync(pool, "after" + i, cancel)).ToList();

        var error = await Assert.ThrowsAsync<PythonEvaluatorException>(() => crash);
        Assert.Equal("the Python worker exited with code 3", error.Message);
        var after = await Task.WhenAll(behind);
        Assert.Single(after.Distinct());
        Assert.NotEqual(before, after[0]);
    }

    [Fact(Timeout = 120000)]
    public async Task A_call_queued_behind_a_slow_one_has_its_whole_timeout_once_it_runs()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        // Timeout 10 s between one call (6 s) and two (12 s): 4 s of slack either way, for a slow or busy machine.
        await using var pool = Pool(dir, workers: 1, TimeSpan.FromSeconds(10));
        await PidAsync(pool, "warm", cancel);

        // Both sent at once to one process: the second answers about 12 s after it was sent, 6 s after it started.
        var calls = new[] { PidAsync(pool, "slow", cancel), PidAsync(pool, "slow", cancel) };

        var pids = await Task.WhenAll(calls);
        Assert.Equal(pids[0], pids[1]);
    }

    [Fact]
    public void Workers_outside_1_to_256_is_a_suite_error_naming_the_line()
    {
        using var dir = new TempDirectory();
        dir.File("evaluator.py", Evaluator);
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"q\", \"generated_response\": \"r\"}\n");
        var suite = dir.File("suite.yaml", """
            dataset: cases.jsonl
            evaluators:
              - name: quality
                type: python
                file: evaluator.py
                workers: 0
            """);

        var error = Assert.Throws<EvalRunner.SuiteException>(() => EvalRunner.Suites.SuiteLoader.Load(suite, TestSettings.With()));

        Assert.Contains("suite.yaml:6", error.Message, StringComparison.Ordinal);
        Assert.Contains("workers", error.Message, StringComparison.Ordinal);
        Assert.Contains("from 1 to 256", error.Message, StringComparison.Ordinal);
    }
}

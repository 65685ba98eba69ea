using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reports;

/// <summary>Results directories for report tests: the fixed one in Fixtures/, or one written with the engine's own recorder.</summary>
internal static class ReportFixture
{
    public static string FixedResults => Path.Combine(AppContext.BaseDirectory, "Reports", "Fixtures", "results");

    /// <summary>A suite run whose rows are given: written by the same RunRecorder as every run.</summary>
    public static Task<IReadOnlyList<RunReport>> WriteAsync(TempDirectory dir, IEnumerable<(string Id, string Response, bool Passed)> rows, CancellationToken cancellationToken) =>
        WriteLogsAsync(dir, rows.Select(r => (r.Id, new Log { ModelConfig = "m", Response = r.Response, LatencyMs = 1 }, r.Passed)), cancellationToken);

    /// <summary>A suite run whose rows have the given logs (a row's input and expected are its response).</summary>
    public static async Task<IReadOnlyList<RunReport>> WriteLogsAsync(TempDirectory dir, IEnumerable<(string Id, Log Log, bool Passed)> rows, CancellationToken cancellationToken)
    {
        dir.File("cases.jsonl", "{\"input\":\"x\"}\n");
        var suite = SuiteLoader.Load(
            dir.File("hostile.eval.yaml", "name: hostile\ndataset: cases.jsonl\nmodels: [{name: m, provider: command, command: [python3]}]\nevaluators: [{type: length}]\nthresholds: ['mean(length.words) >= 1000']\n"),
            TestSettings.With());
        var recorder = RunRecorder.Start(suite, Path.Combine(dir.Path, "out", "hostile"));
        foreach (var (id, log, passed) in rows)
        {
            var response = log.Response ?? string.Empty;
            await recorder.AddAsync(new Row
            {
                DatapointId = id,
                ModelConfig = "m",
                Outcome = passed ? Outcome.Pass : Outcome.Fail,
                Input = response,
                Expected = response,
                Log = log,
                Evaluations = [new Evaluation { Evaluator = "length", Values = new Dictionary<string, object?> { ["words"] = 3L, ["chars"] = (long)response.Length, ["lines"] = 1L } }],
                FailedRules = passed ? [] : ["length.words <= 2 (was 3)"],
            }, cancellationToken);
        }

        await recorder.CompleteAsync();
        return await RunReport.ReadAllAsync(Path.Combine(dir.Path, "out"), cancellationToken);
    }
}

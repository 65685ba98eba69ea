using System.Text.Json;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests;

/// <summary>Loads a suite written into a temp directory, runs it, and reads its rows back from results.jsonl.</summary>
internal static class SuiteRun
{
    public static async Task<(RunResult Result, List<JsonElement> Rows)> RunAsync(TempDirectory dir, string yaml, Settings? settings = null)
    {
        settings ??= TestSettings.With();
        var path = dir.File("suite.eval.yaml", yaml);
        var output = Path.Combine(dir.Path, "out");
        var result = await new RunEngine(settings).RunAsync(SuiteLoader.Load(path, settings), new RunRequest { OutputDirectory = output }, TestContext.Current.CancellationToken);
        var rows = File.ReadLines(Path.Combine(output, "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        return (result, rows);
    }

    public static JsonElement Row(this List<JsonElement> rows, string id) => rows.Single(r => r.GetProperty("datapoint_id").GetString() == id);

    public static JsonElement Evaluation(this JsonElement row, string evaluator) => row.GetProperty("evaluations").GetProperty(evaluator);
}

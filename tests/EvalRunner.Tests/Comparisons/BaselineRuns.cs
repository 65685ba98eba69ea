using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Comparisons;

/// <summary>
/// A baseline run and a head run of one suite through the real engine, on responses supplied with the dataset (logs
/// mode: no generation). A datapoint passes when its response contains "refund".
/// </summary>
internal static class BaselineRuns
{
    public const string Evaluators = "evaluators: [{type: contains, value: refund}, {type: length}]";

    /// <summary>JSONL of datapoints with the given responses.</summary>
    public static string Replies(params (string Id, string Response)[] replies) =>
        string.Concat(replies.Select(r => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = r.Id, ["input"] = $"question {r.Id}", ["generated_response"] = r.Response }) + "\n"));

    /// <summary><paramref name="count"/> datapoints d00.. whose first <paramref name="failing"/> do not pass.</summary>
    public static (string Id, string Response)[] Many(int count, int failing) =>
        [.. Enumerable.Range(0, count).Select(i => ($"d{i:00}", i < failing ? "no, sorry" : "yes, a refund"))];

    /// <summary>A suite in <paramref name="folder"/> over <paramref name="replies"/> with more thresholds and suite keys.</summary>
    public static string Suite(TempDirectory dir, string folder, string replies, string thresholds = "", string extra = "", string evaluators = Evaluators)
    {
        dir.File($"{folder}/replies.jsonl", replies);
        return dir.File($"{folder}/suite.eval.yaml", $"name: support\ndataset: replies.jsonl\n{evaluators}\nthresholds: [\"contains.passed == true\"{thresholds}]\n{extra}");
    }

    /// <summary>Runs the suite into <c>FOLDER/out</c>, against <paramref name="baseline"/> when given.</summary>
    public static Task<SuiteRun> RunAsync(string suite, string? baseline = null, Settings? settings = null, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        SuiteRun.RunAsync(
            suite,
            settings ?? TestSettings.With(),
            new SuiteRunOptions { Request = new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suite)!, "out"), Baseline = baseline }, TimeProvider = time },
            cancellationToken);
}

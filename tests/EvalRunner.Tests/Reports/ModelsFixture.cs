using EvalRunner.Reports;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reports;

/// <summary>
/// A suite of 30 datapoints run by three model configs against the OpenAI-compatible test server, which answers per
/// model: <c>base</c> always says "refund", <c>candidate</c> on every third datapoint, the third config (a name full
/// of markup) on every second; the others answer with a script tag. The first datapoint's id is hostile too.
/// </summary>
internal static class ModelsFixture
{
    public const string Third = "c|<i>x</i> @team";

    public const string HostileId = "d01 <b>bold</b> @team";

    public static string Id(int i) => i == 1 ? HostileId : $"d{i:00}";

    public static bool Passes(string model, int i) => model switch
    {
        "gpt-a" => true,
        "gpt-b" => i % 3 == 0,
        _ => i % 2 == 0,
    };

    public static string Response(string model, int i) => Passes(model, i) ? $"{model}: yes, a refund for q{i}" : $"{model}: no <script>alert({i})</script> way";

    /// <summary>Starts the server's answers per model; the caller disposes the server.</summary>
    public static void Answer(FakeOpenAIServer server) => server.Respond = request =>
    {
        var question = request.Messages.Last(m => m.Role == "user").Content ?? string.Empty;
        return Response(request.Model ?? string.Empty, int.Parse(question[1..], System.Globalization.CultureInfo.InvariantCulture));
    };

    /// <summary>Writes the dataset and a suite with the given model configs (YAML flow mappings); returns the suite's path.</summary>
    public static string WriteSuite(TempDirectory dir, string models)
    {
        dir.File("cases.jsonl", string.Concat(Enumerable.Range(1, 30).Select(i => System.Text.Json.JsonSerializer.Serialize(new { id = Id(i), input = $"q{i}" }) + "\n")));
        return dir.File("side.eval.yaml", $$"""
            name: side
            dataset: cases.jsonl
            models: [{{models}}]
            evaluators: [{type: contains, value: refund}, {type: length}]
            thresholds: ['contains.passed == true', 'mean(contains.passed) >= 0.5']
            """);
    }

    /// <summary>Runs the three model configs in process (each datapoint <paramref name="repeat"/> times) and reads the run back as the reports do.</summary>
    public static async Task<IReadOnlyList<RunReport>> RunAsync(TempDirectory dir, CancellationToken cancellationToken, int? repeat = null)
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken);
        Answer(server);
        var url = server.BaseUrl;
        var suite = WriteSuite(dir, $"{{name: base, provider: openai, model: gpt-a, base_url: '{url}'}}, {{name: candidate, provider: openai, model: gpt-b, base_url: '{url}'}}, {{name: '{Third}', provider: openai, model: gpt-c, base_url: '{url}'}}");
        var output = Path.Combine(dir.Path, "out", "side");
        await SuiteRun.RunAsync(suite, TestSettings.With(), new RunRequest { OutputDirectory = output, Repeat = repeat }, cancellationToken);
        return await RunReport.ReadAllAsync(Path.Combine(dir.Path, "out"), cancellationToken);
    }
}

using System.Globalization;
using System.Text;
using EvalRunner.Comparisons;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// How often the baseline gate is wrong. 200 datapoints, each with a true pass probability of 0.8; an LLM judge on the
/// loopback test server passes each trial with that probability. For each of 200 simulated pull requests a base run and
/// a head run are made and compared with the default gate (<c>rate(outcome.passed) &gt;= baseline significant</c>,
/// alpha 0.05): with no real change the gate should flag about 5% of them (false alarms); with a real drop to 0.7 on
/// every datapoint it should flag nearly all (power). Done with 3 trials per datapoint and with 1.
///   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --simulate [--pairs 200] [--n 200]
/// </summary>
internal static class GateSimulation
{
    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.RecordRequests = false;

        // The judge reads the datapoint's true pass probability from the answer it judges ("p=0.80") and draws.
        var random = new ThreadLocal<Random>(() => new Random(Random.Shared.Next()));
        server.Respond = request =>
        {
            var text = request.Messages.Count > 0 ? request.Messages[^1].Content ?? string.Empty : string.Empty;
            if (request.Model != "judge-model")
            {
                return text;
            }

            var at = text.IndexOf("p=", StringComparison.Ordinal);
            var p = double.Parse(text.AsSpan(at + 2, 4), CultureInfo.InvariantCulture);
            return random.Value!.NextDouble() < p ? """{"passed": true}""" : """{"passed": false}""";
        };

        using var work = new TempDirectory();
        var settings = Settings.FromEnvironment();
        var engine = new RunEngine(settings);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Gate simulation: {options.Pairs} base/head pairs of {options.N} datapoints, true pass probability 0.8, alpha 0.05, default gate"));
        foreach (var trials in new[] { 3, 1 })
        {
            var same = Setup(work, $"k{trials}-same", options.N, 0.8, trials, server);
            var drop = Setup(work, $"k{trials}-drop", options.N, 0.7, trials, server);
            var (falseAlarms, caught) = (0, 0);
            for (var pair = 0; pair < options.Pairs; pair++)
            {
                var baseRun = await RunAsync(engine, settings, same, $"pair{pair}-base");
                var unchanged = await RunAsync(engine, settings, same, $"pair{pair}-same");
                var dropped = await RunAsync(engine, settings, drop, $"pair{pair}-drop");
                falseAlarms += await RegressedAsync(baseRun, unchanged, SuiteLoader.Load(same, settings)) ? 1 : 0;
                caught += await RegressedAsync(baseRun, dropped, SuiteLoader.Load(drop, settings)) ? 1 : 0;
                foreach (var run in new[] { baseRun, unchanged, dropped })
                {
                    Directory.Delete(run.OutputDirectory, recursive: true);
                }
            }

            var (alarmRate, alarmHalf) = Proportion(falseAlarms, options.Pairs);
            var (power, powerHalf) = Proportion(caught, options.Pairs);
            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"  K = {trials}: no change → regression flagged in {falseAlarms} of {options.Pairs} ({alarmRate:P1} ± {alarmHalf:P1}); drop to 0.7 → caught in {caught} of {options.Pairs} ({power:P1} ± {powerHalf:P1})");
            Console.WriteLine(line);
        }

        return 0;
    }

    /// <summary>A share and the half-width of its 95% Wilson interval.</summary>
    private static (double Rate, double HalfWidth) Proportion(int count, int n)
    {
        var interval = EvalRunner.Statistics.Intervals.Wilson(count, n)!;
        return ((double)count / n, (interval.Upper - interval.Lower) / 2);
    }

    private static Task<RunResult> RunAsync(RunEngine engine, Settings settings, string suite, string name) =>
        engine.RunAsync(SuiteLoader.Load(suite, settings), new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suite)!, name) });

    private static async Task<bool> RegressedAsync(RunResult baseRun, RunResult head, Suite suite)
    {
        var comparison = await ComparisonBuilder.BuildAsync(
            new ComparisonRequest { Head = head, HeadDirectory = head.OutputDirectory, BaseDirectory = baseRun.OutputDirectory, Suite = suite, Now = head.FinishedAt },
            CancellationToken.None);
        return comparison.Regressed;
    }

    private static string Setup(TempDirectory work, string name, int n, double p, int trials, FakeOpenAIServer server)
    {
        var data = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            data.Append(CultureInfo.InvariantCulture, $$"""{"id":"dp-{{i}}","input":"question {{i}} p={{p:0.00}}"}""").Append('\n');
        }

        work.File($"{name}/cases.jsonl", data.ToString());
        return work.File($"{name}/gate.eval.yaml", $$"""
            name: gate
            dataset: cases.jsonl
            models:
              - {name: bot, provider: openai, model: bot, base_url: "{{server.BaseUrl}}", api_key: sim-key}
            judge: {provider: openai, model: judge-model, base_url: "{{server.BaseUrl}}", api_key: sim-key}
            evaluators:
              - name: judge
                type: llm
                prompt: "Is this answer right? {generated_response}"
                output_schema:
                  - {name: passed, type: bool, description: 'Whether the answer is right'}
            thresholds:
              - judge.passed == true
            run: {concurrency: 64, repeat: {{trials}}}
            """);
    }
}

using System.Text.Json;
using EvalRunner.Logs;
using EvalRunner.Online;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>An evaluator's <c>sample:</c> in a watch: it runs on a stable share of the logs, and aggregates use only those.</summary>
public sealed class EvaluatorSampleTests
{
    [Fact(Timeout = 120000)]
    public async Task A_sampled_judge_is_called_for_its_share_of_logs_and_aggregates_use_only_the_sampled_rows()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.Respond = _ => """{"score": 5}""";
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", $$"""
            name: prod
            judge: {provider: openai, model: judge-model, base_url: "{{server.BaseUrl}}", api_key: test-key}
            evaluators:
              - {type: contains, value: refund}
              - name: judge
                type: llm
                sample: 0.25
                prompt: "Rate {generated_response}"
                output_schema: {score: integer}
            thresholds:
              - mean(judge.score) >= 5
              - mean(contains.passed) >= 0.4
            online: {window: 1000}
            """);
        var settings = new Settings(new Dictionary<string, string>());
        var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = settings });
        var output = Path.Combine(dir.Path, "out");
        var logs = Enumerable.Range(0, 200).Select(i => new IncomingLog
        {
            Id = $"http:r1:{i}",
            Datapoint = new EvalRunner.Datasets.Datapoint { Id = $"http:r1:{i}", Messages = [new(Microsoft.Extensions.AI.ChatRole.User, $"can I get my money back? ({i})")] },
            Log = new EvalRunner.Logs.Log { ModelConfig = "prod-bot", Model = "prod-bot", Response = i % 2 == 0 ? "yes, a refund" : "no", LatencyMs = 120 },
        }).ToList();

        RunResult result;
        using (var monitor = await OnlineMonitor.StartAsync(new RunEngine(settings), suite, output, _ => { }, token))
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var watching = monitor.WatchAsync(null, TimeSpan.FromMilliseconds(20), stop.Token);
            Assert.True(await monitor.TryAcceptAsync(logs, token));
            while (monitor.Evaluated < 200)
            {
                Assert.False(watching.IsCompleted, "the watcher stopped");
                await Task.Delay(20, token);
            }

            await stop.CancelAsync();
            result = await watching;
        }

        // The judge saw about a quarter of the logs: exactly those in its sample (a hash of log id and evaluator name).
        var judged = server.Requests.Count(r => r.Model == "judge-model");
        var inSample = logs.Count(l => suite.Evaluators.Single(e => e.Name == "judge").Samples(l.Id));
        Assert.InRange(judged, 30, 70);
        Assert.Equal(inSample, judged);

        // Rows outside the sample have no judge column; every row has the unsampled evaluator's.
        var rows = File.ReadAllLines(Directory.GetFiles(output, ResultsStore.RowsFile, SearchOption.AllDirectories).Single()).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(200, rows.Count);
        Assert.Equal(judged, rows.Count(r => r.GetProperty("evaluations").TryGetProperty("judge", out _)));
        Assert.All(rows, r => Assert.True(r.GetProperty("evaluations").TryGetProperty("contains", out _)));
        Assert.DoesNotContain(rows, r => r.GetProperty("outcome").GetString() == "error");
        Assert.All(rows, r => Assert.Equal(JsonValueKind.String, r.GetProperty("evaluated_at").ValueKind));

        // The aggregate over the sampled column counts only the sampled rows, all of them measured.
        var judgeMean = result.Aggregates.Single(a => a.Rule == "mean(judge.score) >= 5");
        Assert.Equal(5, judgeMean.Value);
        Assert.Equal(judged, judgeMean.Of);
        Assert.Equal(judged, judgeMean.Covered);
        Assert.True(judgeMean.Passed);
        Assert.Equal(200, result.Aggregates.Single(a => a.Rule == "mean(contains.passed) >= 0.4").Of);
    }
}

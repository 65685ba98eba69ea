using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap.Buffered;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Runs;

/// <summary><c>run --shard I/N</c> and <c>evalrunner merge</c>: a suite split across machines and joined again.</summary>
public sealed class ShardTests
{
    private static readonly string[] PinnedIds = ["a", "datapoint-0", "datapoint-1", "héllo wörld"];
    private static readonly string[] PresentShards = ["s1-3", "s3-3"];

    [Fact]
    public void Ten_thousand_ids_spread_evenly_over_four_shards_and_a_new_datapoint_moves_no_other()
    {
        var ids = Enumerable.Range(0, 10_000).Select(i => $"datapoint-{i}").ToList();

        var counts = ids.GroupBy(id => Shard.Of(id, 4)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal([1, 2, 3, 4], counts.Keys.Order());
        // Within 5% of 2,500 each.
        Assert.All(counts.Values, count => Assert.InRange(count, 2_375, 2_625));
        // A datapoint's shard is a function of its id and N alone (Shard.Of reads nothing else), so a new datapoint
        // moves no other. The hash is SHA-256 of the UTF-8 id, the same on every machine and .NET version: pinned here.
        Assert.Equal([3, 1, 4, 4], PinnedIds.Select(id => Shard.Of(id, 4)));
    }

    [Theory]
    [InlineData("0/3", "the shard's number I must be from 1 to N (3)")]
    [InlineData("4/3", "the shard's number I must be from 1 to N (3)")]
    [InlineData("1/0", "the number of shards N must be from 1 to 1000")]
    [InlineData("3", "is not I/N")]
    [InlineData("a/b", "is not I/N")]
    [InlineData("-1/3", "is not I/N")]
    public void A_shard_that_is_not_I_of_N_is_refused_with_what_it_should_be(string text, string problem)
    {
        Assert.Null(Shard.Parse(text, out var why));
        Assert.Contains(problem, why, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_rows_in_any_order_give_the_same_aggregates_bit_for_bit()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"x\", \"generated_response\": \"y\"}\n");
        dir.File("scores.jsonl", "{\"id\": \"a\", \"value\": 0.5}\n");
        var suite = SuiteLoader.Load(dir.File("s.eval.yaml", "name: order\ndataset: cases.jsonl\nevaluators:\n  - {name: score, type: external, file: scores.jsonl, columns: {value: float}}\nthresholds: ['mean(score.value) >= 0', 'sum(score.value) >= 0', 'p95(score.value) >= 0']\n"), new SuiteLoadOptions { Settings = TestSettings.With(), AllowOutsidePaths = true, Evaluators = [] });
        // Decimal fractions whose floating-point sum depends on the order they are added in.
        var values = new[] { 0.1, 0.2, 0.3, 1e16, -1e16, 0.7, 1.0 / 3, 2.0 / 3, 0.05 };
        Assert.NotEqual(values.Sum(), values.Reverse().Sum());
        Row RowOf(int i) => new()
        {
            DatapointId = $"d{i}",
            ModelConfig = "supplied",
            Outcome = Outcome.Pass,
            Log = new Log { ModelConfig = "supplied", Response = "y" },
            Evaluations = [new Evaluation { Evaluator = "score", Values = new Dictionary<string, object?> { ["value"] = values[i] } }],
        };

        var forward = new RunTally(suite);
        var backward = new RunTally(suite);
        foreach (var i in Enumerable.Range(0, values.Length))
        {
            forward.Add(RowOf(i));
            backward.Add(RowOf(values.Length - 1 - i));
        }

        var one = forward.Decide(null, false).Aggregates;
        var other = backward.Decide(null, false).Aggregates;
        Assert.Equal(3, one.Count);
        Assert.Equal(one.Select(a => BitConverter.DoubleToInt64Bits(a.Value!.Value)), other.Select(a => BitConverter.DoubleToInt64Bits(a.Value!.Value)));
    }

    /// <summary>
    /// The suite of the equality test: two model configs on a server that answers each question the same way every
    /// time; some answers lack "refund" (a per-datapoint failure), similarity scores are decimal fractions.
    /// </summary>
    private static string Suite(TempDirectory dir, FakeOpenAIServer server, int datapoints = 30)
    {
        server.Respond = request =>
        {
            var question = request.Messages.Last(m => m.Role == "user").Content ?? string.Empty;
            var n = int.Parse(question.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
            return n % 4 == 0
                ? $"sorry, I cannot help with question {n}"
                : $"the refund takes {n % 7 + 1} days {string.Concat(Enumerable.Repeat("really ", n % 5))}for order {n}";
        };
        dir.File("cases.jsonl", string.Concat(Enumerable.Range(0, datapoints).Select(i =>
            $"{{\"id\": \"q{i:00}\", \"input\": \"question {i}\", \"expected\": \"the refund takes {i % 3 + 1} days for order {i}\"}}\n")));
        return dir.File("support.eval.yaml", $$"""
            name: support
            dataset: cases.jsonl
            models:
              - {name: small, provider: openai, model: gpt-4o-mini, base_url: "{{server.BaseUrl}}", api_key: sk-test}
              - {name: large, provider: openai, model: gpt-4o, base_url: "{{server.BaseUrl}}", api_key: sk-test}
            evaluators:
              - {type: contains, value: refund}
              - {type: similarity}
              - {type: length}
            thresholds:
              - contains.passed == true
              - mean(similarity.f1) >= 0.4
              - p95(length.words) <= 9
              - rate(contains.passed) >= 0.5
            run: {concurrency: 8}

            """);
    }

    // Every test that calls it has a timeout: TestContext.Current.CancellationToken kills the process.
    private static Task<BufferedCommandResult> CliAsync(TempDirectory dir, params string[] arguments) =>
        EvalRunnerCli.RunAsync(dir.Path, arguments, TestContext.Current.CancellationToken);

    /// <summary>The rows of a results folder as JSON lines without the fields that measure time, sorted.</summary>
    private static List<string> RowsWithoutTiming(string directory) =>
        [.. File.ReadLines(Path.Combine(directory, "results.jsonl")).Select(line =>
        {
            var row = JsonNode.Parse(line)!.AsObject();
            var log = row["log"]!.AsObject();
            log.Remove("latency_ms");
            log.Remove("timestamp");
            row.Remove("evaluated_at");
            return row.ToJsonString();
        }).Order(StringComparer.Ordinal)];

    private static JsonObject RunJson(string directory) => JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "run.json")))!.AsObject();

    [Fact(Timeout = 600000)]
    public async Task Three_shards_run_as_separate_processes_then_merged_equal_the_whole_run_rows_aggregates_verdict_and_reasons()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        Suite(dir, server);

        // --model adds a third model config to every run: the merge lists it as the shards' runs did.
        var whole = await CliAsync(dir, "run", "support.eval.yaml", "--out", "whole", "--cache", "off", "--model", "extra=gpt-4.1");
        var shards = new List<BufferedCommandResult>();
        foreach (var i in new[] { 1, 2, 3 })
        {
            shards.Add(await CliAsync(dir, "run", "support.eval.yaml", "--shard", $"{i}/3", "--out", $"shard-{i}", "--cache", "off", "--model", "extra=gpt-4.1"));
        }

        var merge = await CliAsync(dir, "merge", "shard-1", "shard-2", "shard-3", "--out", "merged");

        Assert.True(whole.ExitCode == 1, whole.StandardOutput + whole.StandardError);
        Assert.All(shards, s => Assert.True(s.ExitCode is 0 or 1, s.StandardOutput + s.StandardError));
        Assert.True(merge.ExitCode == 1, merge.StandardOutput + merge.StandardError);
        var expected = RunJson(Path.Combine(dir.Path, "whole", "support"));
        var merged = RunJson(Path.Combine(dir.Path, "merged", "support"));
        Assert.Equal(RowsWithoutTiming(Path.Combine(dir.Path, "whole", "support")), RowsWithoutTiming(Path.Combine(dir.Path, "merged", "support")));
        Assert.Equal(90, RowsWithoutTiming(Path.Combine(dir.Path, "merged", "support")).Count);
        Assert.Equal(9, expected["aggregates"]!.AsArray().Count);
        Assert.Equal(expected["aggregates"]!.ToJsonString(), merged["aggregates"]!.ToJsonString());
        Assert.Equal(expected["verdict"]!.GetValue<string>(), merged["verdict"]!.GetValue<string>());
        Assert.Equal(expected["reasons"]!.ToJsonString(), merged["reasons"]!.ToJsonString());
        Assert.Equal(expected["reason"]!.GetValue<string>(), merged["reason"]!.GetValue<string>());
        Assert.Equal((expected["rows"]!.GetValue<int>(), expected["passed"]!.GetValue<int>(), expected["failed"]!.GetValue<int>()), (merged["rows"]!.GetValue<int>(), merged["passed"]!.GetValue<int>(), merged["failed"]!.GetValue<int>()));
        Assert.Equal(3, merged["merged_shards"]!.GetValue<int>());
        Assert.Equal(expected["models"]!.AsArray().Select(m => (m!["name"]!.GetValue<string>(), m["model"]!.GetValue<string>(), m["rows"]!.GetValue<int>())), merged["models"]!.AsArray().Select(m => (m!["name"]!.GetValue<string>(), m["model"]!.GetValue<string>(), m["rows"]!.GetValue<int>())));
        Assert.Equal(expected["suite_hash"]!.GetValue<string>(), merged["suite_hash"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(dir.Path, "merged", "summary.md")));

        // Each shard ran its share: every model config of a datapoint in one shard, no datapoint in two.
        var owners = new Dictionary<string, int>();
        foreach (var i in new[] { 1, 2, 3 })
        {
            var folder = Path.Combine(dir.Path, $"shard-{i}", "support");
            var shard = RunJson(folder)["shard"]!;
            Assert.Equal((i, 3), (shard["index"]!.GetValue<int>(), shard["count"]!.GetValue<int>()));
            var rows = File.ReadLines(Path.Combine(folder, "results.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.NotEmpty(rows);
            foreach (var group in rows.GroupBy(r => r["datapoint_id"]!.GetValue<string>()))
            {
                Assert.Equal(["extra", "large", "small"], group.Select(r => r["model_config"]!.GetValue<string>()).Order());
                Assert.Equal(i, Shard.Of(group.Key, 3));
                Assert.True(owners.TryAdd(group.Key, i), $"{group.Key} ran in two shards");
            }
        }

        Assert.Equal(30, owners.Count);
    }

    [Fact(Timeout = 600000)]
    public async Task A_shard_decides_no_aggregate_rule_it_exits_0_when_its_rows_pass_and_the_merge_decides_the_suite()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        server.Respond = request => (request.Messages.Last(m => m.Role == "user").Content ?? string.Empty).EndsWith('0') ? "no" : "the refund";
        dir.File("cases.jsonl", string.Concat(Enumerable.Range(0, 12).Select(i => $"{{\"id\": \"q{i:00}\", \"input\": \"question {i}\"}}\n")));
        dir.File("aggregates.eval.yaml", $$"""
            name: aggregates
            dataset: cases.jsonl
            models:
              - {name: small, provider: openai, model: gpt-4o-mini, base_url: "{{server.BaseUrl}}", api_key: sk-test}
            evaluators:
              - {type: contains, value: refund}
            thresholds:
              - rate(contains.passed) >= 0.99

            """);

        var shards = new List<BufferedCommandResult>();
        foreach (var i in new[] { 1, 2 })
        {
            shards.Add(await CliAsync(dir, "run", "aggregates.eval.yaml", "--shard", $"{i}/2", "--out", $"shard-{i}", "--cache", "off"));
        }

        var merge = await CliAsync(dir, "merge", "shard-1", "shard-2", "--out", "merged");

        Assert.All(shards, s => Assert.True(s.ExitCode == 0, s.StandardOutput + s.StandardError));
        Assert.All(shards, s => Assert.Contains("decided over all 2 shards by `evalrunner merge`", s.StandardOutput, StringComparison.Ordinal));
        Assert.True(merge.ExitCode == 1, merge.StandardOutput + merge.StandardError);
        Assert.Equal("fail", RunJson(Path.Combine(dir.Path, "merged", "aggregates"))["verdict"]!.GetValue<string>());
    }

    [Fact(Timeout = 600000)]
    public async Task A_shard_whose_results_lost_rows_that_its_run_json_counts_makes_the_merge_an_error_naming_it()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        Suite(dir, server, datapoints: 12);
        foreach (var i in new[] { 1, 2 })
        {
            var shard = await CliAsync(dir, "run", "support.eval.yaml", "--shard", $"{i}/2", "--out", $"shard-{i}", "--cache", "off");
            Assert.True(shard.ExitCode is 0 or 1, shard.StandardOutput + shard.StandardError);
        }

        // Rows lost after the run (a partial upload, a cut copy): run.json is intact and counts them.
        var rows = Path.Combine(dir.Path, "shard-1", "support", "results.jsonl");
        var lines = File.ReadAllLines(rows);
        File.WriteAllLines(rows, lines.Take(lines.Length - 3));

        var merge = await CliAsync(dir, "merge", "shard-1", "shard-2", "--out", "merged");

        Assert.True(merge.ExitCode == 2, merge.StandardOutput + merge.StandardError);
        var reason = RunJson(Path.Combine(dir.Path, "merged", "support"))["reason"]!.GetValue<string>();
        Assert.Contains($"shard 1/2 ({Path.Combine("shard-1", "support")}): its results.jsonl holds {lines.Length - 3} rows, its run.json counts {lines.Length}", reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600000)]
    public async Task A_missing_unfinished_doubled_or_foreign_shard_makes_the_merged_verdict_an_error_naming_it_and_the_rows_there_are_still_merged()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        Suite(dir, server, datapoints: 12);
        foreach (var shard in new[] { "1/3", "2/3", "3/3", "1/2" })
        {
            var ran = await CliAsync(dir, "run", "support.eval.yaml", "--shard", shard, "--out", "s" + shard.Replace('/', '-'), "--cache", "off");
            Assert.True(ran.ExitCode is 0 or 1, ran.StandardOutput + ran.StandardError);
        }

        var missing = await CliAsync(dir, "merge", "s1-3", "s3-3", "--out", "missing");
        var doubled = await CliAsync(dir, "merge", "s1-3", "s2-3", "s3-3", "s1-3/support", "--out", "doubled");
        var foreign = await CliAsync(dir, "merge", "s1-3", "s2-3", "s3-3", "s1-2", "--out", "foreign");
        File.Delete(Path.Combine(dir.Path, "s2-3", "support", "run.json"));
        var unfinished = await CliAsync(dir, "merge", "s1-3", "s2-3", "s3-3", "--out", "unfinished");
        var nowhere = await CliAsync(dir, "merge", "s1-3", "nowhere", "--out", "x");

        Assert.True(missing.ExitCode == 2, missing.StandardOutput + missing.StandardError);
        var run = RunJson(Path.Combine(dir.Path, "missing", "support"));
        Assert.Equal("error", run["verdict"]!.GetValue<string>());
        Assert.Equal("shards", run["reasons"]![0]!["kind"]!.GetValue<string>());
        Assert.Contains("shard 2/3 is missing", run["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("shard 2/3 is missing", missing.StandardOutput, StringComparison.Ordinal);
        var present = PresentShards.Sum(s => File.ReadLines(Path.Combine(dir.Path, s, "support", "results.jsonl")).Count());
        Assert.Equal(present, File.ReadLines(Path.Combine(dir.Path, "missing", "support", "results.jsonl")).Count());

        Assert.Equal(2, doubled.ExitCode);
        Assert.Contains("shard 1/3 is given twice", RunJson(Path.Combine(dir.Path, "doubled", "support"))["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(24, File.ReadLines(Path.Combine(dir.Path, "doubled", "support", "results.jsonl")).Count());

        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains("is shard 1/2, the others are of 3 shards", RunJson(Path.Combine(dir.Path, "foreign", "support"))["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(2, unfinished.ExitCode);
        var reason = RunJson(Path.Combine(dir.Path, "unfinished", "support"))["reason"]!.GetValue<string>();
        Assert.Contains("no run.json (the shard's run did not finish)", reason, StringComparison.Ordinal);
        Assert.Contains("shard 2/3 is missing", reason, StringComparison.Ordinal);
        Assert.Equal(24, File.ReadLines(Path.Combine(dir.Path, "unfinished", "support", "results.jsonl")).Count());

        Assert.Equal(2, nowhere.ExitCode);
        Assert.Contains("nowhere: no such directory", nowhere.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", missing.StandardError + nowhere.StandardError + unfinished.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 300000)]
    public async Task A_shard_no_datapoint_hashes_to_is_skipped_with_nothing_run_and_merges_cleanly_while_a_bad_shard_value_exits_2()
    {
        using var dir = new TempDirectory();
        dir.File("replies.jsonl", "{\"id\": \"only\", \"input\": \"q\", \"generated_response\": \"yes, a refund\"}\n");
        dir.File("suite.eval.yaml", "name: tiny\ndataset: replies.jsonl\nevaluators: [{type: contains, value: refund}]\nthresholds: ['contains.passed == true', 'rate(contains.passed) >= 1']\n");
        var home = Shard.Of("only", 3);
        TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        var runs = new List<BufferedCommandResult>();
        foreach (var i in new[] { 1, 2, 3 })
        {
            runs.Add(await CliAsync(dir, "run", "suite.eval.yaml", "--shard", $"{i}/3", "--out", $"s{i}"));
        }

        var merge = await CliAsync(dir, "merge", "s1", "s2", "s3", "--out", "merged");
        var whole = await CliAsync(dir, "run", "suite.eval.yaml", "--out", "whole");
        var bad = await CliAsync(dir, "run", "suite.eval.yaml", "--shard", "4/3");
        var zero = await CliAsync(dir, "run", "suite.eval.yaml", "--shard", "0/3");

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.StandardOutput + r.StandardError));
        foreach (var i in Enumerable.Range(1, 3).Where(i => i != home))
        {
            var empty = RunJson(Path.Combine(dir.Path, $"s{i}", "tiny"));
            Assert.Equal(("skipped", 0, "empty_shard"), (empty["verdict"]!.GetValue<string>(), empty["rows"]!.GetValue<int>(), empty["reasons"]![0]!["kind"]!.GetValue<string>()));
            Assert.Contains($"shard {i}/3 had no datapoints", empty["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("SKIPPED tiny: shard", runs[i - 1].StandardOutput, StringComparison.Ordinal);
            var junit = await CliAsync(dir, "report", $"s{i}", "--format", "junit");
            var skipped = System.Xml.Linq.XDocument.Parse(junit.StandardOutput).Root!.Element("testsuite")!;
            Assert.Equal("1", (string)skipped.Attribute("skipped")!);
            Assert.StartsWith($"shard {i}/3 had no datapoints", (string)skipped.Element("testcase")!.Element("skipped")!.Attribute("message")!, StringComparison.Ordinal);
        }

        Assert.True(merge.ExitCode == 0, merge.StandardOutput + merge.StandardError);
        var merged = RunJson(Path.Combine(dir.Path, "merged", "tiny"));
        var expected = RunJson(Path.Combine(dir.Path, "whole", "tiny"));
        Assert.Equal((expected["verdict"]!.ToJsonString(), expected["reasons"]!.ToJsonString(), expected["aggregates"]!.ToJsonString()), (merged["verdict"]!.ToJsonString(), merged["reasons"]!.ToJsonString(), merged["aggregates"]!.ToJsonString()));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--shard '4/3': the shard's number I must be from 1 to N (3)", bad.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("--shard '0/3'", zero.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "evalrunner-results")));
    }
}

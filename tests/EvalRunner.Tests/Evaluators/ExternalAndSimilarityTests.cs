using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Evaluators;

public sealed class ExternalAndSimilarityTests
{
    private const string Dataset = """
        {"id": "a", "input": "q1", "expected": "the cat sat on the mat"}
        {"id": "b", "input": "q2", "expected": "a completely different sentence"}
        {"id": "c", "input": "q3", "expected": "anything"}
        """;

    private static TempDirectory Setup()
    {
        var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nprint({'a': 'The cat sat on a mat.', 'b': 'Nothing alike here', 'c': 'x'}[d['id']])\n");
        dir.File("cases.jsonl", Dataset);
        return dir;
    }

    private static string Suite(string evaluators, string thresholds = "") =>
        $"dataset: cases.jsonl\nmodels: [{{name: bot, provider: command, command: [python3, bot.py]}}]\nevaluators:\n{evaluators}\n{thresholds}";

    [Fact(Timeout = 120000)]
    public async Task External_scores_are_imported_by_datapoint_id_from_JSONL_and_a_missing_one_fails_its_thresholds()
    {
        using var dir = Setup();
        dir.File("reviews.jsonl", "{\"id\": \"a\", \"rating\": 5, \"approved\": true, \"reviewer\": \"ann\"}\n{\"id\": \"b\", \"rating\": 2, \"approved\": false}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(
            "  - {name: review, type: external, file: reviews.jsonl, columns: {rating: integer, approved: bool, reviewer: string}}",
            "thresholds:\n  - review.rating >= 2\n  - rate(review.approved) >= 0.3\n"), TestContext.Current.CancellationToken);

        var a = rows.Row("a").Evaluation("review");
        Assert.Equal((5L, true, "ann", true), (a.GetProperty("rating").GetInt64(), a.GetProperty("approved").GetBoolean(), a.GetProperty("reviewer").GetString(), a.GetProperty("found").GetBoolean()));
        var c = rows.Row("c");
        Assert.False(c.Evaluation("review").GetProperty("found").GetBoolean());
        Assert.Equal("fail", c.GetProperty("outcome").GetString());
        Assert.Equal("review.rating >= 2 (was missing)", c.GetProperty("failed_rules")[0].GetString());
        Assert.Equal(1.0 / 3, result.Aggregates.Single().Value!.Value, 6);
    }

    [Fact(Timeout = 120000)]
    public async Task With_missing_skip_a_datapoint_without_a_score_skips_the_rules_and_the_aggregates()
    {
        using var dir = Setup();
        dir.File("reviews.csv", "id,rating,approved\na,5,true\nb,2,false\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(
            "  - {name: review, type: external, file: reviews.csv, missing: skip, columns: {rating: integer, approved: bool}}",
            "thresholds:\n  - review.rating >= 2\n  - rate(review.approved) >= 0.5\n  - mean(review.rating) >= 3.5\n"), TestContext.Current.CancellationToken);

        Assert.Equal("pass", rows.Row("c").GetProperty("outcome").GetString());
        Assert.Equal([0.5, 3.5], result.Aggregates.Select(a => a.Value!.Value));
        Assert.Equal(Verdict.Pass, result.Verdict);
    }

    [Fact(Timeout = 120000)]
    public async Task External_scores_may_be_keyed_per_model_config_and_a_score_without_one_applies_to_every_config()
    {
        using var dir = Setup();
        dir.File("reviews.csv", "id,model_config,rating\na,bot,5\na,bot2,1\nb,,3\n");
        var suite = $"dataset: cases.jsonl\nmodels:\n  - {{name: bot, provider: command, command: [python3, bot.py]}}\n  - {{name: bot2, provider: command, command: [python3, bot.py]}}\n"
            + "evaluators:\n  - {name: review, type: external, file: reviews.csv, missing: skip, columns: {rating: integer}}\nthresholds:\n  - mean(review.rating) >= 1\n";

        var (result, rows) = await SuiteRun.RunAsync(dir, suite, TestContext.Current.CancellationToken);

        long? Rating(string id, string config) => rows.Single(r => r.GetProperty("datapoint_id").GetString() == id && r.GetProperty("model_config").GetString() == config)
            .Evaluation("review").GetProperty("rating") is { ValueKind: System.Text.Json.JsonValueKind.Number } rating ? rating.GetInt64() : null;
        Assert.Equal((5L, 1L, 3L, 3L, (long?)null), (Rating("a", "bot"), Rating("a", "bot2"), Rating("b", "bot"), Rating("b", "bot2"), Rating("c", "bot")));
        Assert.Equal([4.0, 2.0], result.Aggregates.OrderBy(a => a.ModelConfig, StringComparer.Ordinal).Select(a => a.Value!.Value));
    }

    [Fact]
    public void Two_scores_for_one_datapoint_and_model_config_are_refused_and_a_score_for_an_unknown_config_is_named()
    {
        using var dir = Setup();
        dir.File("reviews.csv", "id,model_config,rating\na,bot,5\na,bot,4\n");
        var path = dir.File("s.eval.yaml", Suite("  - {name: review, type: external, file: reviews.csv, columns: {rating: integer}}"));

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal("reviews.csv:3: id: datapoint 'a' has two scores for model config 'bot'; keep one", ex.Message);

        dir.File("reviews.csv", "id,model_config,rating\na,bott,5\n");
        var unknown = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal("reviews.csv:2: model_config: no model config 'bott' in the suite (known: bot)", unknown.Message);
    }

    [Fact]
    public void A_bad_external_score_is_reported_with_its_file_line_and_column_name()
    {
        using var dir = Setup();
        dir.File("reviews.jsonl", "{\"id\": \"a\", \"rating\": 5}\n{\"id\": \"b\", \"rating\": \"great\"}\n");
        var path = dir.File("s.eval.yaml", Suite("  - {name: review, type: external, file: reviews.jsonl, columns: {rating: integer}}"));

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal("reviews.jsonl:2: rating: 'great' is not a valid integer", ex.Message);
    }

    [Fact]
    public void An_external_integer_column_may_declare_a_range_and_a_score_outside_it_is_named_with_its_line()
    {
        using var dir = Setup();
        dir.File("reviews.csv", "id,rating\na,5\nb,7\n");
        var path = dir.File("s.eval.yaml", Suite("  - {name: review, type: external, file: reviews.csv, columns: [{name: rating, type: integer, min: 1, max: 5}]}"));

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal("reviews.csv:3: rating: 7 is outside 1..5", ex.Message);

        dir.File("reviews.csv", "id,rating\na,5\nb,1\n");
        var rating = Assert.Single(SuiteLoader.Load(path, TestSettings.With()).Evaluators.OfType<EvalRunner.Evaluators.BuiltIn.ExternalSpec>().Single().Scored);
        Assert.Equal((1.0, 5.0), (rating.Minimum, rating.Maximum));
    }

    [Fact(Timeout = 120000)]
    public async Task Similarity_scores_token_F1_and_ROUGE_L_against_the_expected_answer()
    {
        using var dir = Setup();

        var (_, rows) = await SuiteRun.RunAsync(dir, Suite("  - type: similarity"), TestContext.Current.CancellationToken);

        var a = rows.Row("a").Evaluation("similarity");
        // response: the cat sat on a mat / reference: the cat sat on the mat → 5 common tokens of 6 and 6.
        Assert.Equal(0.833333, a.GetProperty("f1").GetDouble());
        Assert.Equal(0.833333, a.GetProperty("rouge_l").GetDouble());
        Assert.Equal(0, rows.Row("b").Evaluation("similarity").GetProperty("f1").GetDouble());
    }

    [Fact(Timeout = 120000)]
    public async Task Embedding_similarity_embeds_the_response_and_the_reference_through_the_embeddings_endpoint()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = Setup();

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(
            $"  - {{type: embedding-similarity, model: {{provider: openai, model: embed-small, base_url: \"{server.BaseUrl}\"}}}}",
            "thresholds:\n  - mean(embedding-similarity.cosine) >= 0.1\n"), TestContext.Current.CancellationToken);

        Assert.Equal(3, server.EmbeddingInputs.Count);
        Assert.Contains(server.EmbeddingInputs, input => input.SequenceEqual(["The cat sat on a mat.", "the cat sat on the mat"]));
        var similar = rows.Row("a").Evaluation("embedding-similarity").GetProperty("cosine").GetDouble();
        var different = rows.Row("b").Evaluation("embedding-similarity").GetProperty("cosine").GetDouble();
        var expected = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(FakeOpenAIServer.Embed("The cat sat on a mat."), FakeOpenAIServer.Embed("the cat sat on the mat"));
        Assert.Equal(Math.Round(expected, 6), similar, 5);
        Assert.True(similar > different);
        Assert.Equal(Verdict.Pass, result.Verdict);
    }
}

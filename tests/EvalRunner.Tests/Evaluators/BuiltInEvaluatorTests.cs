using System.Text.Json;
using System.Text.RegularExpressions;
using EvalRunner.Datasets;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using JsonSchema = Json.Schema.JsonSchema;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Evaluators;

public sealed class BuiltInEvaluatorTests
{
    private static EvaluationContext Context(string response, string? expected = null, double latencyMs = 12.5) => new()
    {
        Datapoint = new Datapoint
        {
            Id = "dp",
            Messages = [new ChatMessage(ChatRole.User, "q")],
            Expected = expected is null ? null : JsonSerializer.SerializeToElement(expected),
        },
        Log = new Log { ModelConfig = "m", Response = response, LatencyMs = latencyMs, InputTokens = 3, OutputTokens = 7 },
    };

    private static async Task<IReadOnlyDictionary<string, object?>> EvaluateAsync(IEvaluator evaluator, EvaluationContext context) =>
        await evaluator.EvaluateAsync(context, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Equals_compares_trimmed_text_with_the_expected_answer_or_a_value()
    {
        Assert.Equal(true, (await EvaluateAsync(new EqualsEvaluator("e", [], ignoreCase: false, trim: true), Context(" Paris\n", "Paris")))["passed"]);
        Assert.Equal(false, (await EvaluateAsync(new EqualsEvaluator("e", ["paris"], ignoreCase: false, trim: true), Context("Paris")))["passed"]);
        Assert.Equal(true, (await EvaluateAsync(new EqualsEvaluator("e", ["paris"], ignoreCase: true, trim: true), Context("Paris")))["passed"]);
    }

    [Fact]
    public async Task Contains_counts_matches_in_any_or_all_mode()
    {
        var any = await EvaluateAsync(new ContainsEvaluator("c", ["refund", "30 days"], all: false, ignoreCase: false), Context("A refund is possible."));
        var all = await EvaluateAsync(new ContainsEvaluator("c", ["refund", "30 days"], all: true, ignoreCase: false), Context("A refund is possible."));

        Assert.Equal((true, 1L), ((bool)any["passed"]!, (long)any["matched"]!));
        Assert.Equal(false, all["passed"]);
    }

    [Fact]
    public async Task Contains_without_a_value_or_expected_answer_is_an_error_naming_the_datapoint()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => EvaluateAsync(new ContainsEvaluator("c", [], false, false), Context("x")));

        Assert.Equal("no 'value' configured and datapoint 'dp' has no 'expected'", ex.Message);
    }

    [Fact]
    public async Task Not_contains_reports_the_first_forbidden_value_found()
    {
        var result = await EvaluateAsync(new NotContainsEvaluator("n", ["As an AI", "sorry"], ignoreCase: true), Context("Sorry, as an AI I cannot."));

        Assert.Equal(false, result["passed"]);
        Assert.Equal("As an AI", result["found"]);
    }

    [Fact]
    public async Task Regex_returns_the_first_match()
    {
        var result = await EvaluateAsync(new RegexEvaluator("r", new Regex(@"\d+ days")), Context("within 30 days or 60 days"));

        Assert.Equal("30 days", result["match"]);
    }

    [Fact]
    public async Task Json_valid_accepts_a_fenced_answer_and_reports_the_kind_or_the_error()
    {
        var fenced = await EvaluateAsync(new JsonValidEvaluator("j"), Context("```json\n{\"a\": 1}\n```"));
        var broken = await EvaluateAsync(new JsonValidEvaluator("j"), Context("{\"a\": "));

        Assert.Equal((true, "object"), ((bool)fenced["passed"]!, (string)fenced["kind"]!));
        Assert.Equal((false, "invalid"), ((bool)broken["passed"]!, (string)broken["kind"]!));
        Assert.NotEqual(string.Empty, broken["error"]);
    }

    [Fact]
    public async Task Json_schema_lists_every_violation_with_its_location()
    {
        var schema = JsonSchema.FromText("""{"type":"object","required":["answer","score"],"properties":{"score":{"type":"integer","maximum":5}}}""");
        var evaluator = new JsonSchemaEvaluator("s", schema);

        var valid = await EvaluateAsync(evaluator, Context("""{"answer":"x","score":4}"""));
        var invalid = await EvaluateAsync(evaluator, Context("""{"score":9}"""));
        var notJson = await EvaluateAsync(evaluator, Context("score: 9"));

        Assert.Equal(true, valid["passed"]);
        Assert.Equal(false, invalid["passed"]);
        Assert.Equal(2L, invalid["error_count"]);
        Assert.Contains("/score:", (string)invalid["errors"]!, StringComparison.Ordinal);
        Assert.StartsWith("not JSON:", (string)notJson["errors"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Length_and_latency_return_typed_numbers()
    {
        var length = await EvaluateAsync(new LengthEvaluator("l"), Context("one two\nthree\n"));
        var latency = await EvaluateAsync(new LatencyEvaluator("t"), Context("x", latencyMs: 123.4567));

        Assert.Equal((14L, 3L, 2L), ((long)length["chars"]!, (long)length["words"]!, (long)length["lines"]!));
        Assert.Equal(123.457, latency["ms"]);
        Assert.Equal((3L, 7L), ((long)latency["input_tokens"]!, (long)latency["output_tokens"]!));
    }
}

using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Evaluators;

/// <summary>The <c>tool-calls</c> evaluator: a datapoint's expected tool calls against a log's trajectory.</summary>
public sealed class ToolCallsEvaluatorTests
{
    private static TrajectoryStep Model() => new() { Kind = StepKind.Model, InputTokens = 10, OutputTokens = 5 };

    private static TrajectoryStep Call(string name, string? arguments = "{}") => new()
    {
        Kind = StepKind.Tool,
        Name = name,
        CallId = "call-" + name,
        Arguments = arguments is null ? null : JsonDocument.Parse(arguments).RootElement.Clone(),
        Result = "ok",
    };

    private static ExpectedToolCall Expect(string name, string? arguments = null) =>
        new() { Name = name, Arguments = arguments is null ? null : JsonDocument.Parse(arguments).RootElement.Clone() };

    private static EvaluationContext Context(IReadOnlyList<ExpectedToolCall> expected, IReadOnlyList<TrajectoryStep>? steps) => new()
    {
        Datapoint = new Datapoint { Id = "dp", Messages = [new ChatMessage(ChatRole.User, "Refund order A1")], ExpectedToolCalls = expected },
        Log = new Log { ModelConfig = "m", Response = "Done.", Steps = steps },
    };

    private static async Task<Result> EvaluateAsync(
        IReadOnlyList<ExpectedToolCall> expected,
        IReadOnlyList<TrajectoryStep>? steps,
        ToolCallMatch match = ToolCallMatch.Strict,
        ArgumentMatch arguments = ArgumentMatch.Subset)
    {
        var evaluator = new ToolCallsEvaluator("tools", match, arguments);
        var values = await evaluator.EvaluateAsync(Context(expected, steps), TestContext.Current.CancellationToken);
        Assert.Equal(evaluator.Columns.Select(c => c.Name).Order(StringComparer.Ordinal), values.Keys.Order(StringComparer.Ordinal));
        return new Result((bool)values["passed"]!, (double)values["precision"]!, (double)values["recall"]!, (long)values["missing"]!, (long)values["unexpected"]!, (string)values["reason"]!);
    }

    private sealed record Result(bool Passed, double Precision, double Recall, long Missing, long Unexpected, string Reason);

    [Fact]
    public async Task Strict_passes_for_the_same_calls_in_the_same_order_and_ignores_model_steps()
    {
        var result = await EvaluateAsync(
            [Expect("lookup_order"), Expect("refund_order")],
            [Model(), Call("lookup_order"), Model(), Call("refund_order"), Model()]);

        Assert.Equal(new Result(true, 1, 1, 0, 0, string.Empty), result);
    }

    [Fact]
    public async Task Strict_fails_on_a_different_call_and_names_the_expectation_it_missed()
    {
        var result = await EvaluateAsync(
            [Expect("lookup_order"), Expect("refund_order")],
            [Call("lookup_order"), Call("cancel_order")]);

        Assert.Equal(new Result(false, 0.5, 0.5, 1, 1, "expected `refund_order` after `lookup_order`, got `lookup_order`, `cancel_order`"), result);
    }

    [Fact]
    public async Task Strict_fails_on_the_same_calls_in_another_order_or_with_a_call_more()
    {
        var swapped = await EvaluateAsync([Expect("lookup_order"), Expect("refund_order")], [Call("refund_order"), Call("lookup_order")]);
        var extra = await EvaluateAsync([Expect("lookup_order"), Expect("refund_order")], [Call("lookup_order"), Call("refund_order"), Call("cancel_order")]);

        Assert.Equal(new Result(false, 0.5, 0.5, 1, 1, "expected `lookup_order` first, got `refund_order`, `lookup_order`"), swapped);
        Assert.Equal(new Result(false, 2.0 / 3, 1, 0, 1, "unexpected `cancel_order` after `refund_order`, got `lookup_order`, `refund_order`, `cancel_order`"), extra);
    }

    [Fact]
    public async Task In_order_allows_other_calls_between_and_around_the_expected_ones()
    {
        var result = await EvaluateAsync(
            [Expect("lookup_order"), Expect("refund_order")],
            [Call("search"), Call("lookup_order"), Call("get_policy"), Call("refund_order"), Call("notify")],
            ToolCallMatch.InOrder);

        Assert.Equal(new Result(true, 2.0 / 5, 1, 0, 3, string.Empty), result);
    }

    [Fact]
    public async Task In_order_fails_when_the_expected_calls_come_in_another_order()
    {
        var result = await EvaluateAsync(
            [Expect("lookup_order"), Expect("refund_order")],
            [Call("refund_order"), Call("lookup_order")],
            ToolCallMatch.InOrder);

        Assert.Equal(new Result(false, 0.5, 0.5, 1, 1, "expected `refund_order` after `lookup_order`, got `refund_order`, `lookup_order`"), result);
    }

    [Fact]
    public async Task Any_order_compares_the_calls_as_multisets()
    {
        var expected = new[] { Expect("lookup_order"), Expect("refund_order"), Expect("lookup_order") };

        var shuffled = await EvaluateAsync(expected, [Call("refund_order"), Call("lookup_order"), Call("lookup_order")], ToolCallMatch.AnyOrder);
        var once = await EvaluateAsync(expected, [Call("lookup_order"), Call("refund_order")], ToolCallMatch.AnyOrder);
        var thrice = await EvaluateAsync(expected, [Call("lookup_order"), Call("refund_order"), Call("lookup_order"), Call("lookup_order")], ToolCallMatch.AnyOrder);

        Assert.Equal(new Result(true, 1, 1, 0, 0, string.Empty), shuffled);
        Assert.Equal(new Result(false, 1, 2.0 / 3, 1, 0, "expected `lookup_order` 2 times, got `lookup_order`, `refund_order`"), once);
        Assert.Equal(new Result(false, 3.0 / 4, 1, 0, 1, "unexpected `lookup_order` (expected 2 times), got `lookup_order`, `refund_order`, `lookup_order`, `lookup_order`"), thrice);
    }

    [Fact]
    public async Task Superset_passes_when_every_expected_call_was_made_and_counts_a_call_expected_twice_but_made_once()
    {
        var more = await EvaluateAsync([Expect("lookup_order")], [Call("search"), Call("lookup_order"), Call("notify")], ToolCallMatch.Superset);
        var twice = await EvaluateAsync([Expect("lookup_order"), Expect("lookup_order")], [Call("lookup_order"), Call("search")], ToolCallMatch.Superset);

        Assert.Equal(new Result(true, 1.0 / 3, 1, 0, 2, string.Empty), more);
        Assert.Equal(new Result(false, 0.5, 0.5, 1, 1, "expected `lookup_order` 2 times, got `lookup_order`, `search`"), twice);
    }

    [Fact]
    public async Task Subset_passes_when_every_call_made_was_expected_and_fails_on_one_made_more_often()
    {
        var fewer = await EvaluateAsync([Expect("lookup_order"), Expect("refund_order")], [Call("refund_order")], ToolCallMatch.Subset);
        var none = await EvaluateAsync([Expect("lookup_order")], [], ToolCallMatch.Subset);
        var again = await EvaluateAsync([Expect("lookup_order"), Expect("refund_order")], [Call("lookup_order"), Call("lookup_order")], ToolCallMatch.Subset);
        var other = await EvaluateAsync([Expect("lookup_order")], [Call("delete_account")], ToolCallMatch.Subset);

        Assert.Equal(new Result(true, 1, 0.5, 1, 0, string.Empty), fewer);
        Assert.Equal(new Result(true, 1, 0, 1, 0, string.Empty), none);
        Assert.Equal(new Result(false, 0.5, 0.5, 1, 1, "unexpected `lookup_order` (expected once), got `lookup_order`, `lookup_order`"), again);
        Assert.Equal(new Result(false, 0, 0, 1, 1, "unexpected `delete_account`, got `delete_account`"), other);
    }

    [Fact]
    public async Task Subset_arguments_compare_the_expected_keys_only_and_nested_objects_recursively()
    {
        var actual = Call("refund_order", """{"order": {"id": "A1", "total": 30, "currency": "EUR"}, "reason": "late", "notify": true}""");

        var passed = await EvaluateAsync([Expect("refund_order", """{"order": {"id": "A1"}, "notify": true}""")], [actual]);
        var wrongNested = await EvaluateAsync([Expect("refund_order", """{"order": {"id": "A2"}}""")], [actual]);
        var missingKey = await EvaluateAsync([Expect("refund_order", """{"order": {"id": "A1", "lines": 2}}""")], [actual]);

        Assert.True(passed.Passed);
        Assert.Equal(new Result(false, 0, 0, 1, 1, "expected `refund_order` first, got `refund_order`; `refund_order` was called with other arguments: /order/id: expected \"A2\", got \"A1\""), wrongNested);
        Assert.False(missingKey.Passed);
        Assert.EndsWith("/order/lines: expected 2, got nothing", missingKey.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subset_arguments_match_arrays_exactly()
    {
        var actual = Call("add_items", """{"order": "A1", "skus": ["x", "y"], "lines": [{"sku": "x", "qty": 1}]}""");

        var same = await EvaluateAsync([Expect("add_items", """{"skus": ["x", "y"], "lines": [{"sku": "x", "qty": 1}]}""")], [actual]);
        var fewer = await EvaluateAsync([Expect("add_items", """{"skus": ["x"]}""")], [actual]);
        var reordered = await EvaluateAsync([Expect("add_items", """{"skus": ["y", "x"]}""")], [actual]);
        var partialElement = await EvaluateAsync([Expect("add_items", """{"lines": [{"sku": "x"}]}""")], [actual]);

        Assert.True(same.Passed);
        Assert.False(fewer.Passed);
        Assert.EndsWith("/skus: expected [\"x\"], got [\"x\",\"y\"]", fewer.Reason, StringComparison.Ordinal);
        Assert.False(reordered.Passed);
        Assert.False(partialElement.Passed);
    }

    [Fact]
    public async Task Schema_arguments_are_a_JSON_Schema_the_calls_arguments_must_satisfy()
    {
        const string Schema = """{"type": "object", "properties": {"order_id": {"type": "string", "pattern": "^A"}, "amount": {"type": "number", "maximum": 100}}, "required": ["order_id"]}""";

        var valid = await EvaluateAsync([Expect("refund_order", Schema)], [Call("refund_order", """{"order_id": "A1", "amount": 30}""")], arguments: ArgumentMatch.Schema);
        var invalid = await EvaluateAsync([Expect("refund_order", Schema)], [Call("refund_order", """{"order_id": "B1", "amount": 300}""")], arguments: ArgumentMatch.Schema);
        var notASchema = await EvaluateAsync([Expect("refund_order", """{"type": 5}""")], [Call("refund_order", """{"order_id": "A1"}""")], arguments: ArgumentMatch.Schema);

        Assert.True(valid.Passed, valid.Reason);
        Assert.False(invalid.Passed);
        Assert.Contains("`refund_order` was called with arguments the expected schema refuses: /", invalid.Reason, StringComparison.Ordinal);
        Assert.False(notASchema.Passed);
        Assert.Contains("the expected arguments of `refund_order` are not a valid JSON Schema", notASchema.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exact_arguments_are_equal_as_JSON_whatever_the_key_order_and_no_key_may_be_added()
    {
        var actual = Call("refund_order", """{"order_id": "A1", "amount": 30.0, "reason": "late"}""");

        var same = await EvaluateAsync([Expect("refund_order", """{"reason": "late", "amount": 30, "order_id": "A1"}""")], [actual], arguments: ArgumentMatch.Exact);
        var fewerKeys = await EvaluateAsync([Expect("refund_order", """{"order_id": "A1", "amount": 30}""")], [actual], arguments: ArgumentMatch.Exact);
        var fewerKeysAsSubset = await EvaluateAsync([Expect("refund_order", """{"order_id": "A1", "amount": 30}""")], [actual], arguments: ArgumentMatch.Subset);

        Assert.True(same.Passed);
        Assert.False(fewerKeys.Passed);
        Assert.EndsWith("/reason: not expected, got \"late\"", fewerKeys.Reason, StringComparison.Ordinal);
        Assert.True(fewerKeysAsSubset.Passed);
    }

    [Fact]
    public async Task Ignore_compares_names_only()
    {
        var result = await EvaluateAsync(
            [Expect("lookup_order", """{"order_id": "A1"}"""), Expect("refund_order", """{"order_id": "A1"}""")],
            [Call("lookup_order", """{"order_id": "Z9"}"""), Call("refund_order", arguments: null)],
            arguments: ArgumentMatch.Ignore);

        Assert.Equal(new Result(true, 1, 1, 0, 0, string.Empty), result);
    }

    [Fact]
    public async Task An_expected_call_without_arguments_matches_any_arguments_even_unrecorded_ones()
    {
        var result = await EvaluateAsync(
            [Expect("lookup_order"), Expect("refund_order")],
            [Call("lookup_order", """{"order_id": "A1"}"""), Call("refund_order", arguments: null)],
            arguments: ArgumentMatch.Exact);

        Assert.True(result.Passed);
    }

    [Fact]
    public async Task Arguments_that_were_not_recorded_are_named_in_the_reason()
    {
        var result = await EvaluateAsync([Expect("refund_order", """{"order_id": "A1"}""")], [Call("refund_order", arguments: null)]);

        Assert.Equal(
            new Result(false, 0, 0, 1, 1, "expected `refund_order` first, got `refund_order`; the arguments of `refund_order` were not recorded (a trajectory from telemetry has them only when its source records tool arguments)"),
            result);
    }

    [Fact]
    public async Task Arguments_that_were_cut_are_named_in_the_reason()
    {
        var cut = Call("refund_order", """ "{\"order_id\": \"A1\", \"no" """) with { Cut = true };

        var result = await EvaluateAsync([Expect("refund_order", """{"order_id": "A1"}""")], [cut], ToolCallMatch.AnyOrder);

        Assert.False(result.Passed);
        Assert.Equal("expected `refund_order`, got `refund_order`; the arguments of `refund_order` were cut at run.max_output_bytes and cannot be compared", result.Reason);
    }

    [Fact]
    public async Task A_datapoint_without_expected_tool_calls_expects_none_under_the_modes_that_forbid_other_calls()
    {
        var quiet = await EvaluateAsync([], [Model()]);
        var strict = await EvaluateAsync([], [Model(), Call("search"), Model()]);
        var anyOrder = await EvaluateAsync([], [Call("search")], ToolCallMatch.AnyOrder);
        var inOrder = await EvaluateAsync([], [Call("search")], ToolCallMatch.InOrder);
        var superset = await EvaluateAsync([], [Call("search")], ToolCallMatch.Superset);

        Assert.Equal(new Result(true, 1, 1, 0, 0, string.Empty), quiet);
        Assert.Equal(new Result(false, 0, 1, 0, 1, "expected no tool calls, got `search`"), strict);
        Assert.False(anyOrder.Passed);
        Assert.True(inOrder.Passed);
        Assert.True(superset.Passed);
    }

    [Fact]
    public async Task A_log_without_a_recorded_trajectory_fails_when_calls_are_expected_and_says_why()
    {
        var expected = await EvaluateAsync([Expect("lookup_order")], steps: null);
        var subset = await EvaluateAsync([Expect("lookup_order")], steps: null, ToolCallMatch.Subset);
        var none = await EvaluateAsync([], steps: null);

        Assert.Equal(new Result(false, 1, 0, 1, 0, "expected `lookup_order`, but the log has no recorded trajectory (no steps: the model config offers no tools, or the log brought none)"), expected);
        Assert.False(subset.Passed);
        Assert.Equal(new Result(true, 1, 1, 0, 0, string.Empty), none);
    }

    [Fact]
    public async Task Trajectory_counts_steps_model_calls_tool_calls_failed_tool_calls_and_repeated_identical_calls()
    {
        TrajectoryStep[] steps =
        [
            Model(),
            Call("lookup_order", """{"order_id": "A1", "full": true}"""),
            Call("refund_order", """{"order_id": "A1"}""") with { Result = null, Error = "tool 'refund_order' threw: no such order" },
            Model(),
            Call("lookup_order", """{"full": true, "order_id": "A1"}"""),
            Call("lookup_order", """{"order_id": "A2"}"""),
            Model(),
            Call("lookup_order", """{"order_id": "A1", "full": true}"""),
            Call("refund_order", """{"order_id": "A1"}"""),
            Model(),
        ];
        var evaluator = new TrajectoryEvaluator("trajectory");

        var values = await evaluator.EvaluateAsync(Context([], steps), TestContext.Current.CancellationToken);
        var none = await evaluator.EvaluateAsync(Context([], null), TestContext.Current.CancellationToken);

        Assert.Equal(
            new[] { ("steps", 10L), ("model_calls", 4L), ("tool_calls", 6L), ("tool_errors", 1L), ("loops", 3L) },
            evaluator.Columns.Select(c => (c.Name, (long)values[c.Name]!)));
        Assert.All(evaluator.Columns, c => Assert.Equal(0L, none[c.Name]));
    }
}

using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Agents;

/// <summary>Chat messages with function calls and results, as a trajectory, and back.</summary>
public sealed class TrajectoryMessagesTests
{
    [Fact]
    public void Each_assistant_message_is_a_model_call_and_each_function_call_a_tool_call_with_its_result_or_error()
    {
        List<ChatMessage> messages =
        [
            new(ChatRole.Assistant, [new FunctionCallContent("a", "lookup_order", new Dictionary<string, object?> { ["order_id"] = "42", ["full"] = true }), new FunctionCallContent("b", "cancel_order")]),
            new(ChatRole.Tool, [new FunctionResultContent("a", "delivered"), new FunctionResultContent("b", "Error: no such tool") { Exception = new InvalidOperationException("no such tool") }]),
            new(ChatRole.Assistant, [new FunctionCallContent("c", "refund_order", new Dictionary<string, object?> { ["order_id"] = "42" })]),
            new(ChatRole.Assistant, "Refunded."),
        ];

        var steps = TrajectoryMessages.FromMessages(messages);

        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Tool, StepKind.Model, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal(("lookup_order", "a", "delivered", (string?)null), (steps[1].Name, steps[1].CallId, steps[1].Result, steps[1].Error));
        Assert.Equal("{\"order_id\":\"42\",\"full\":true}", steps[1].Arguments!.Value.GetRawText());
        Assert.Equal(("cancel_order", (string?)null, "no such tool"), (steps[2].Name, steps[2].Result, steps[2].Error));
        Assert.Null(steps[2].Arguments);
        Assert.Equal("no result was recorded for this call", steps[4].Error);
    }

    [Fact]
    public void A_trajectory_made_into_messages_reads_back_as_the_same_calls()
    {
        var log = new Log
        {
            ModelConfig = "agent",
            Response = "Refunded.",
            Steps = TrajectoryMessages.FromMessages(
            [
                new(ChatRole.Assistant, [new FunctionCallContent("a", "lookup_order", new Dictionary<string, object?> { ["order_id"] = "42" })]),
                new(ChatRole.Tool, [new FunctionResultContent("a", "delivered")]),
                new(ChatRole.Assistant, "Refunded."),
            ]),
        };

        var messages = TrajectoryMessages.ToMessages(log);

        Assert.Equal([ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], messages.Select(m => m.Role));
        Assert.Equal("Refunded.", messages[^1].Text);
        var again = TrajectoryMessages.FromMessages(messages);
        Assert.Equal(log.Steps.Select(s => (s.Kind, s.Name, s.CallId, s.Result, s.Error, s.Arguments?.GetRawText())), again.Select(s => (s.Kind, s.Name, s.CallId, s.Result, s.Error, s.Arguments?.GetRawText())));
    }
}

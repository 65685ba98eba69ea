using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Online;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Online;

/// <summary>A log kept in the watcher's inbox is read back as it came: its conversation's tool calls and its steps too.</summary>
public sealed class InboxToolCallTests
{
    [Fact]
    public void A_log_kept_in_the_inbox_keeps_its_tool_calls_steps_and_expected_calls_when_read_back()
    {
        var arguments = JsonDocument.Parse("""{"city": "Paris"}""").RootElement.Clone();
        var datapoint = new Datapoint
        {
            Id = "a",
            Messages =
            [
                new ChatMessage(ChatRole.User, "Weather in Paris?"),
                new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = arguments.GetProperty("city") })]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_1", "18 C")]),
                new ChatMessage(ChatRole.User, "And tomorrow?"),
            ],
            ExpectedToolCalls = [new ExpectedToolCall { Name = "get_forecast", Arguments = arguments }],
            ToolResults = [new CannedToolResult { Name = "get_forecast", Result = "rain", LatencyMs = 5 }],
        };
        var log = new Log
        {
            ModelConfig = "prod",
            Response = "Rain.",
            Steps =
            [
                new TrajectoryStep { Kind = StepKind.Model, InputTokens = 20, OutputTokens = 3 },
                new TrajectoryStep { Kind = StepKind.Tool, Name = "get_forecast", CallId = "c2", Arguments = arguments, Result = "rain", LatencyMs = 7 },
                new TrajectoryStep { Kind = StepKind.Tool, Name = "get_alerts", Error = "timed out", Cut = true },
                new TrajectoryStep { Kind = StepKind.Model },
            ],
        };

        var row = LogInbox.RowOf(new IncomingLog { Id = "a", Datapoint = datapoint, Log = log });
        using var json = JsonDocument.Parse(row);
        var back = Dataset.ParseRow(json.RootElement, new SourceLocation("inbox.jsonl", 1), null);

        Assert.Equal(datapoint.FullHistory, back.FullHistory);
        Assert.Equal("call_1", Assert.IsType<FunctionResultContent>(Assert.Single(back.Messages[2].Contents)).CallId);
        Assert.Equal(("get_forecast", "Paris"), (Assert.Single(back.ExpectedToolCalls).Name, back.ExpectedToolCalls[0].Arguments!.Value.GetProperty("city").GetString()));
        Assert.Equal(("rain", 5.0), (Assert.Single(back.ToolResults).Result, back.ToolResults[0].LatencyMs));
        var steps = back.SuppliedLog!.Steps!;
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal((20L, 3L), (steps[0].InputTokens, steps[0].OutputTokens));
        Assert.Equal(("get_forecast", "c2", "rain", 7.0), (steps[1].Name, steps[1].CallId, steps[1].Result, steps[1].LatencyMs));
        Assert.Equal("Paris", steps[1].Arguments!.Value.GetProperty("city").GetString());
        Assert.Equal(("timed out", true), (steps[2].Error, steps[2].Cut));
    }
}

using System.Text.Json;
using EvalRunner.Logs;

namespace EvalRunner.Tests.Reports;

/// <summary>Logs of agent runs for report tests: a short trajectory whose tool output is hostile, and long ones.</summary>
internal static class TrajectoryFixture
{
    /// <summary>Tool output that tries to break out of a list, a details block and the page, mention, link and reorder.</summary>
    public const string HostileResult =
        "</details>\n\n# Heading\n\n1. injected item\n- another\n@octocat please [click](http://evil.example/x) ![img](http://evil.example/i.png) "
        + "<script>window.pwned=1</script> <img src=x onerror=\"window.pwned=2\"> **bold** www.evil.example `code` \u202Egnp.exe|cell|";

    /// <summary>Six steps, the model still calling tools at the end (<c>max_steps</c>).</summary>
    public static Log Hostile() => new()
    {
        ModelConfig = "m",
        LatencyMs = 1,
        Status = LogStatus.MaxSteps,
        Steps =
        [
            new TrajectoryStep { Kind = StepKind.Model, InputTokens = 120, OutputTokens = 30, LatencyMs = 850 },
            new TrajectoryStep { Kind = StepKind.Tool, Name = "search", CallId = "call_1", Arguments = Json("{\"query\":\"<script>window.pwned=3</script> @octocat\"}"), Result = HostileResult, LatencyMs = 12 },
            new TrajectoryStep { Kind = StepKind.Model, InputTokens = 300, OutputTokens = 20 },
            new TrajectoryStep { Kind = StepKind.Tool, Name = "fetch_page", Arguments = Json("{\"url\":\"http://evil.example/x\"}"), Result = new string('y', 10_000) + "END", Cut = true, LatencyMs = 40 },
            new TrajectoryStep { Kind = StepKind.Tool, Name = "lookup", Arguments = Json("{}"), Error = "unknown tool: lookup </details> @octocat" },
            new TrajectoryStep { Kind = StepKind.Model, InputTokens = 400, OutputTokens = 10, LatencyMs = 300 },
        ],
    };

    /// <summary>A long run: a model call then a tool call <c>t{i}</c>, <paramref name="count"/> steps in all, each result <paramref name="resultLength"/> characters.</summary>
    public static Log Long(int count, int resultLength) => new()
    {
        ModelConfig = "m",
        Response = "done",
        LatencyMs = 1,
        Steps = [.. Enumerable.Range(0, count).Select(i => i % 2 == 0
            ? new TrajectoryStep { Kind = StepKind.Model, InputTokens = 100 + i, OutputTokens = 10, LatencyMs = 5 }
            : new TrajectoryStep { Kind = StepKind.Tool, Name = $"t{i}", Arguments = Json($"{{\"page\":{i}}}"), Result = new string('é', resultLength) + "END", LatencyMs = 3 })],
    };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}

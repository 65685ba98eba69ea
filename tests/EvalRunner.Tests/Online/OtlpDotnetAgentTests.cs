using System.ClientModel;
using System.Net;
using EvalRunner.Cli.Online;
using EvalRunner.Logs;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace EvalRunner.Tests.Online;

/// <summary>
/// The .NET path: Microsoft.Extensions.AI's FunctionInvokingChatClient over its OpenTelemetry chat client, exported with
/// the OTLP exporter: chat and execute_tool spans under FunctionInvokingChatClient's orchestrate_tools span, no agent span.
/// </summary>
public sealed class OtlpDotnetAgentTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_FunctionInvokingChatClient_over_an_OpenTelemetry_chat_client_sends_a_trace_that_becomes_one_log_with_its_trajectory()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(ct);
        server.CallTools = request => request.Messages[^1].Role == "tool" ? null : [new FakeToolCall("get_weather", "{\"city\":\"Paris\"}")];
        server.Respond = request => request.Messages[^1].Role == "tool" ? "It is 18 C and sunny in Paris." : "no tool result";
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock }, intake, parse: null, ct);

        var sourceName = "EvalRunner.Tests.OtlpAgent." + Guid.NewGuid().ToString("N");
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(listener.Address, "v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();
        var inner = new OpenAI.Chat.ChatClient("gpt-4o-mini", new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = server.BaseUrl }).AsIChatClient();
        using var client = new ChatClientBuilder(inner)
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: sourceName, configure: c => c.EnableSensitiveData = true)
            .Build();
        var weather = AIFunctionFactory.Create((string city) => "18 C and sunny", "get_weather", "The weather in a city");

        var answer = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a weather agent."), new ChatMessage(ChatRole.User, "Weather in Paris?")],
            new ChatOptions { Tools = [weather] },
            ct);
        Assert.True(tracerProvider.ForceFlush(30_000));
        Assert.Equal("It is 18 C and sunny in Paris.", answer.Text);
        Assert.Empty(intake.Taken);

        // No agent span: the orchestrate_tools span, the trace's root, ends last and plays its part.
        clock.Advance(TimeSpan.FromSeconds(3));
        var log = Assert.Single(intake.Taken);
        Assert.Matches("^otlp:[0-9a-f]{32}:[0-9a-f]{16}$", log.Id);
        Assert.Equal("Weather in Paris?", log.Datapoint.Input);
        Assert.Equal("It is 18 C and sunny in Paris.", log.Log.Response);
        var steps = log.Log.Steps!;
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal(("get_weather", "call_1"), (steps[1].Name, steps[1].CallId));
        Assert.Equal("Paris", steps[1].Arguments!.Value.GetProperty("city").GetString());
        Assert.Contains("18 C and sunny", steps[1].Result, StringComparison.Ordinal);
        Assert.False(steps[1].IsFailed);
        Assert.Equal(answer.Usage!.InputTokenCount, log.Log.InputTokens);
        Assert.True(steps[0].InputTokens > 0);

        // Nothing more: the chat spans are not evaluated alone.
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(intake.Taken);
    }
}

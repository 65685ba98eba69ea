using System.ClientModel;
using System.Diagnostics;
using System.Net;
using EvalRunner.Cli.Online;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace EvalRunner.Tests.Online;

public sealed class OtlpListenerTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_chat_span_from_an_OpenTelemetry_chat_client_becomes_one_log_with_messages_response_model_and_tokens()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(ct);
        server.Respond = _ => "Paris is the capital of France.";
        var intake = new BoundedIntake();
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), BearerToken = "otlp-token" }, intake, parse: null, ct);

        var sourceName = "EvalRunner.Tests.Otlp." + Guid.NewGuid().ToString("N");
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(listener.Address, "v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.Headers = "Authorization=Bearer otlp-token";
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();
        var inner = new OpenAI.Chat.ChatClient("gpt-4o-mini", new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = server.BaseUrl }).AsIChatClient();
        using var client = new ChatClientBuilder(inner)
            .UseOpenTelemetry(sourceName: sourceName, configure: c => c.EnableSensitiveData = true)
            .Build();

        var answer = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Answer briefly."), new ChatMessage(ChatRole.User, "What is the capital of France?")],
            cancellationToken: ct);
        Assert.True(tracerProvider.ForceFlush(30_000));

        Assert.Equal("Paris is the capital of France.", answer.Text);
        var log = Assert.Single(intake.Taken);
        Assert.Matches("^otlp:[0-9a-f]{32}:[0-9a-f]{16}$", log.Id);
        Assert.Equal(log.Id, log.Datapoint.Id);
        Assert.Equal("What is the capital of France?", log.Datapoint.Input);
        Assert.Equal([ChatRole.System, ChatRole.User], log.Datapoint.Messages.Select(m => m.Role));
        Assert.Equal("Answer briefly.", log.Datapoint.Messages[0].Text);
        Assert.Equal("Paris is the capital of France.", log.Log.Response);
        Assert.Equal("gpt-4o-mini", log.Log.Model);
        Assert.Equal(answer.Usage!.InputTokenCount, log.Log.InputTokens);
        Assert.Equal(answer.Usage.OutputTokenCount, log.Log.OutputTokens);
        Assert.True(log.Log.OutputTokens > 0);
        Assert.True(log.Log.LatencyMs > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Spans_that_are_not_GenAI_chat_spans_are_ignored_and_OTLP_without_the_token_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, intake, parse: null, ct);
        var sourceName = "EvalRunner.Tests.Otlp." + Guid.NewGuid().ToString("N");
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(listener.Address, "v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();
        using var source = new ActivitySource(sourceName);

        using (var activity = source.StartActivity("GET /orders"))
        {
            activity?.SetTag("http.request.method", "GET");
        }

        Assert.True(tracerProvider.ForceFlush(30_000));
        Assert.Empty(intake.Taken);

        await using var locked = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), BearerToken = "t" }, intake, parse: null, ct);
        using var http = new HttpClient();
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new("application/x-protobuf");
        using var refused = await http.PostAsync(new Uri(locked.Address, "v1/traces"), content, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}

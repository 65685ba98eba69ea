using System.Net;
using System.Text;
using System.Text.Json;
using EvalRunner.Cli.Online;

namespace EvalRunner.Tests.Online;

/// <summary>OTLP/JSON traces (<c>application/json</c>), whose trace and span ids are hex, not base64.</summary>
public sealed class OtlpJsonTests
{
    private static string Attribute(string key, string value) => $$$"""{"key":"{{{key}}}","value":{"stringValue":{{{JsonSerializer.Serialize(value)}}}}}""";

    [Fact(Timeout = 30_000)]
    public async Task An_OTLP_JSON_chat_span_becomes_a_log_with_its_hex_ids_and_a_span_without_content_is_counted_as_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await LogListener.StartAsync(new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, intake, parse: null, ct);
        var chat = string.Join(',', Attribute("gen_ai.operation.name", "chat"), Attribute("gen_ai.request.model", "gpt-4o-mini"));
        var content = string.Join(
            ',',
            Attribute("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"What is 2+2?"}]}]"""),
            Attribute("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"4"}],"finish_reason":"stop"}]"""),
            """{"key":"gen_ai.usage.input_tokens","value":{"intValue":"9"}}""",
            """{"key":"gen_ai.usage.output_tokens","value":{"intValue":1}}""");
        var body = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeSpans":[{"scope":{"name":"MyApp.Chat"},"spans":[
              {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"","name":"chat gpt-4o-mini","kind":3,
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000840000000","attributes":[{{{chat}}},{{{content}}}],"status":{}},
              {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0102030405060708","name":"chat gpt-4o-mini","kind":3,
               "startTimeUnixNano":"1700000001000000000","endTimeUnixNano":"1700000002000000000","attributes":[{{{chat}}}]}
            ]}]}]}
            """;
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(listener.Address, "v1/traces"), new StringContent(body, Encoding.UTF8, "application/json"), ct);

        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1", JsonDocument.Parse(text).RootElement.GetProperty("partialSuccess").GetProperty("rejectedSpans").ToString());
        var log = Assert.Single(intake.Taken);
        Assert.Equal("otlp:5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174", log.Id);
        Assert.Equal("What is 2+2?", log.Datapoint.Input);
        Assert.Equal("4", log.Log.Response);
        Assert.Equal("gpt-4o-mini", log.Log.Model);
        Assert.Equal(840, log.Log.LatencyMs);
        Assert.Equal(9, log.Log.InputTokens);
        Assert.Equal(1, log.Log.OutputTokens);
    }

    [Fact(Timeout = 30_000)]
    public async Task OTLP_JSON_that_is_not_an_export_request_is_answered_400()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await LogListener.StartAsync(new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, intake, parse: null, ct);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(listener.Address, "v1/traces"), new StringContent("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"not hex","spanId":7}]}]}]}""", Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("OTLP", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Empty(intake.Taken);
    }
}

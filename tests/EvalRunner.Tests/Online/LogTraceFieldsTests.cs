using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Cli.Online;
using EvalRunner.Datasets;
using EvalRunner.Online;

namespace EvalRunner.Tests.Online;

/// <summary>A log's trace id, span id and response id: read, kept through the inbox, and taken from an OTLP call's key.</summary>
public sealed class LogTraceFieldsTests
{
    [Fact]
    public void The_ids_are_read_in_lower_case_and_kept_through_the_inbox()
    {
        var row = JsonDocument.Parse("{\"id\":\"a\",\"input\":\"q\",\"generated_response\":\"r\",\"trace_id\":\"0AF7651916CD43DD8448EB211C80319C\",\"span_id\":\"b7ad6b7169203331\",\"response_id\":\"chatcmpl-1\"}").RootElement;
        var datapoint = DatapointParser.Parse(row, new SourceLocation("logs.jsonl", 1));

        var again = DatapointParser.Parse(
            JsonDocument.Parse(LogInbox.RowOf(new IncomingLog { Id = "a", Datapoint = datapoint, Log = datapoint.SuppliedLog! })).RootElement,
            new SourceLocation("inbox.jsonl", 1));

        foreach (var log in new[] { datapoint.SuppliedLog!, again.SuppliedLog! })
        {
            Assert.Equal("0af7651916cd43dd8448eb211c80319c", log.TraceId);
            Assert.Equal("b7ad6b7169203331", log.SpanId);
            Assert.Equal("chatcmpl-1", log.ResponseId);
        }
    }

    [Theory]
    [InlineData("span_id", "\"b7ad6b71\"", "must be a span id of 16 hex digits")]
    [InlineData("trace_id", "\"00000000000000000000000000000000\"", "must be a trace id of 32 hex digits")]
    [InlineData("response_id", "42", "must be a non-empty string")]
    public void A_bad_id_is_an_error_naming_its_field(string field, string value, string message)
    {
        var row = JsonDocument.Parse($"{{\"input\":\"q\",\"generated_response\":\"r\",\"{field}\":{value}}}").RootElement;

        var ex = Assert.Throws<DatasetException>(() => DatapointParser.Parse(row, new SourceLocation("logs.jsonl", 3)));

        Assert.StartsWith($"logs.jsonl:3: {field}: {message}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_from_an_OTLP_call_keeps_the_call_s_trace_and_span_ids()
    {
        var log = GenAICalls.ToLog("0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331", new JsonObject { ["input"] = "q", ["generated_response"] = "r" });

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", log!.Log.TraceId);
        Assert.Equal("b7ad6b7169203331", log.Log.SpanId);
    }
}

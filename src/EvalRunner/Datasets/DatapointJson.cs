using System.Text.Json;

namespace EvalRunner.Datasets;

/// <summary>The JSON a program or service under test receives for a datapoint.</summary>
internal static class DatapointJson
{
    /// <summary>
    /// <c>{"id","input","messages":[{"role","content"}],"expected","context","tags"}</c>; <c>prompt</c> when a template
    /// rendered one. Messages that used tools are in the OpenAI chat shape (<c>tool_calls</c>, <c>tool_call_id</c>).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, Datapoint datapoint, string? prompt)
    {
        writer.WriteStartObject();
        writer.WriteString("id", datapoint.Id);
        writer.WriteString("input", datapoint.Input);
        if (prompt is not null)
        {
            writer.WriteString("prompt", prompt);
        }

        writer.WritePropertyName("messages");
        ToolCallJson.WriteMessages(writer, datapoint.Messages);
        writer.WritePropertyName("expected");
        if (datapoint.Expected is { } expected)
        {
            expected.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartObject("context");
        foreach (var (name, value) in datapoint.Context)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("tags");
        foreach (var tag in datapoint.Tags)
        {
            writer.WriteStringValue(tag);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static byte[] ToUtf8(Datapoint datapoint, string? prompt)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, datapoint, prompt);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

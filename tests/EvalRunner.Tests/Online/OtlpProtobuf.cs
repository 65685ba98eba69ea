using Google.Protobuf;

namespace EvalRunner.Tests.Online;

/// <summary>
/// Writes protobuf messages field by field with the field numbers of opentelemetry-proto, so that a test checks the
/// listener against the protocol rather than against its own message definitions. A <c>string</c> is a string field,
/// a <c>byte[]</c> a bytes field or an embedded message, a <c>ulong</c> a fixed64 field and a <c>long</c> a varint.
/// </summary>
internal static class OtlpProtobuf
{
    public static byte[] Message(params (int Field, object Value)[] fields)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            foreach (var (field, value) in fields)
            {
                switch (value)
                {
                    case string text:
                        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                        output.WriteString(text);
                        break;
                    case byte[] bytes:
                        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                        output.WriteBytes(ByteString.CopyFrom(bytes));
                        break;
                    case ulong fixed64:
                        output.WriteTag(field, WireFormat.WireType.Fixed64);
                        output.WriteFixed64(fixed64);
                        break;
                    case long varint:
                        output.WriteTag(field, WireFormat.WireType.Varint);
                        output.WriteInt64(varint);
                        break;
                    default:
                        throw new ArgumentException($"field {field}: {value.GetType().Name} is not written");
                }
            }
        }

        return stream.ToArray();
    }

    /// <summary>common.v1.AnyValue with a string_value (1).</summary>
    public static byte[] Text(string value) => Message((1, value));

    /// <summary>common.v1.AnyValue with a kvlist_value (6) of the given keys and AnyValues.</summary>
    public static byte[] KeyValues(params (string Key, byte[] Value)[] values) =>
        Message((6, Message(values.Select(kv => (1, (object)Attribute(kv.Key, kv.Value))).ToArray())));

    /// <summary>common.v1.KeyValue: key (1), value (2).</summary>
    public static byte[] Attribute(string key, byte[] value) => Message((1, key), (2, value));

    /// <summary>
    /// logs.v1.LogRecord: time_unix_nano (1), body (5), attributes (6), trace_id (9), span_id (10), observed_time_unix_nano (11),
    /// event_name (12, when given).
    /// </summary>
    public static byte[] LogRecord(byte[] traceId, byte[] spanId, ulong timeUnixNano, string? eventName, byte[]? body, params byte[][] attributes)
    {
        List<(int, object)> fields = [(1, timeUnixNano)];
        if (body is not null)
        {
            fields.Add((5, body));
        }

        fields.AddRange(attributes.Select(a => (6, (object)a)));
        fields.Add((9, traceId));
        fields.Add((10, spanId));
        fields.Add((11, timeUnixNano));
        if (eventName is not null)
        {
            fields.Add((12, eventName));
        }

        return Message([.. fields]);
    }

    /// <summary>collector.logs.v1.ExportLogsServiceRequest: one ResourceLogs (1) with one ScopeLogs (2) named <paramref name="scope"/>.</summary>
    public static byte[] ExportLogs(string scope, params byte[][] logRecords)
    {
        var scopeLogs = Message([(1, Message((1, scope))), .. logRecords.Select(r => (2, (object)r))]);
        var resource = Message((1, Attribute("service.name", Text("shop"))));
        return Message((1, Message((1, resource), (2, scopeLogs))));
    }
}

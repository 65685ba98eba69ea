using System.Text;
using System.Text.Json;

namespace EvalRunner.Online;

/// <summary>
/// What decides the shard of a followed log line (<c>watch --shard</c>), read without parsing the log: its
/// <c>trace_id</c>, else its <c>id</c>, else its place in the file, as <see cref="IncomingLog.ShardKey"/> has them once
/// the log is parsed. A line that is not a JSON object, or whose id is not a usable value, goes by its place: the one
/// watcher of that shard parses it and reports it when it is malformed.
/// </summary>
internal static class LogShardKey
{
    public static string Of(LogLine line)
    {
        string? id = null;
        string? trace = null;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line.Text));
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    // As the log's reader takes them: the last of a repeated field, trimmed; a number id as written.
                    var isId = reader.ValueTextEquals("id"u8);
                    var isTrace = reader.ValueTextEquals("trace_id"u8);
                    reader.Read();
                    if (isId)
                    {
                        id = reader.TokenType switch
                        {
                            JsonTokenType.String => Usable(reader.GetString()),
                            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                            _ => null,
                        };
                    }
                    else if (isTrace)
                    {
                        // In lower case, as the log's reader keeps a trace id (32 hex digits; anything else is malformed).
                        trace = reader.TokenType == JsonTokenType.String ? Usable(reader.GetString())?.ToLowerInvariant() : null;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return line.File.IdAt(line.Offset);
        }

        return trace ?? id ?? line.File.IdAt(line.Offset);
    }

    private static string? Usable(string? text) => text?.Trim() is { Length: > 0 } trimmed ? trimmed : null;
}

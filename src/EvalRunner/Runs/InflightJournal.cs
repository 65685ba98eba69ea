using System.Buffers;
using System.Text.Json;
using EvalRunner.Results;

namespace EvalRunner.Runs;

/// <summary>
/// <c>inflight.jsonl</c>: the generations a run has started, one line each, on disk before the request is sent. A row
/// in <c>results.jsonl</c> settles its line; a line with no row is a call that was paid for and lost when the run was
/// killed. <c>--resume</c> reads it to count the calls it pays again. It is deleted when a run completes.
/// </summary>
internal sealed class InflightJournal : IDisposable
{
    public const string File = "inflight.jsonl";

    private readonly FileStream _stream;
    private readonly Lock _lock = new();

    private InflightJournal(FileStream stream) => _stream = stream;

    /// <summary>The journal's path in <paramref name="directory"/>.</summary>
    public static string PathIn(string directory) => System.IO.Path.Combine(directory, File);

    /// <summary>Starts an empty journal in <paramref name="directory"/>, replacing an earlier one.</summary>
    public static InflightJournal Create(string directory) =>
        new(new FileStream(PathIn(directory), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0));

    /// <summary>
    /// Records that the generation of a datapoint with a model config (in <paramref name="trial"/> of a repeated run) is
    /// about to be sent; on disk when it returns.
    /// </summary>
    public void Started(string datapointId, string modelConfig, int trial = 1)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + datapointId.Length + modelConfig.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ResultsJson.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("datapoint_id", datapointId);
            writer.WriteString("model_config", modelConfig);
            if (trial != 1)
            {
                writer.WriteNumber("trial", trial);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        lock (_lock)
        {
            // One write call per line: a line is whole or, when the process dies inside the call, cut and ignored.
            _stream.Write(buffer.WrittenSpan);
        }
    }

    /// <summary>The generations started in <paramref name="directory"/>'s journal (none when there is no journal).</summary>
    public static HashSet<(string DatapointId, string ModelConfig, int Trial)> Read(string directory)
    {
        var started = new HashSet<(string, string, int)>();
        var path = PathIn(directory);
        if (!System.IO.File.Exists(path))
        {
            return started;
        }

        foreach (var line in System.IO.File.ReadLines(path))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("datapoint_id", out var id) && id.ValueKind == JsonValueKind.String
                    && document.RootElement.TryGetProperty("model_config", out var model) && model.ValueKind == JsonValueKind.String)
                {
                    var trial = document.RootElement.TryGetProperty("trial", out var number) && number.ValueKind == JsonValueKind.Number && number.TryGetInt32(out var value) ? value : 1;
                    started.Add((id.GetString()!, model.GetString()!, trial));
                }
            }
            catch (JsonException)
            {
                // The last line of a killed run may be cut; its request was not sent yet.
            }
        }

        return started;
    }

    /// <summary>Deletes the journal of a completed run.</summary>
    public static void Delete(string directory) => System.IO.File.Delete(PathIn(directory));

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Online;

/// <summary>
/// The durable inbox of logs pushed to the watcher (<c>inbox.jsonl</c> in its results folder): a pushed batch is
/// written and flushed here before it is acknowledged, as dataset rows with their log fields, so a restart evaluates
/// every acknowledged log that has no row yet. Logs followed from files need no inbox: the files are their record.
/// </summary>
internal sealed class LogInbox(string directory, Settings settings)
{
    /// <summary>The inbox file's name in the results folder.</summary>
    public const string FileName = "inbox.jsonl";

    private readonly Lock _lock = new();
    private long _written;

    /// <summary>Lines in the inbox: written since it was last rewritten, and kept by that rewrite.</summary>
    public long Written => Interlocked.Read(ref _written);

    private string Path => System.IO.Path.Combine(directory, FileName);

    /// <summary>Writes <paramref name="logs"/> to the inbox and flushes them to the disk.</summary>
    /// <exception cref="ResultsWriteException">The inbox could not be written; nothing of the batch counts as taken.</exception>
    public void Append(IReadOnlyList<IncomingLog> logs)
    {
        var text = new StringBuilder();
        foreach (var log in logs)
        {
            text.Append(settings.Redact(RowOf(log))).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (_lock)
        {
            try
            {
                using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
                Interlocked.Add(ref _written, logs.Count);
            }
            catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
            {
                throw new ResultsWriteException(Path, ex);
            }
        }
    }

    /// <summary>
    /// The acknowledged logs that have no row yet (<paramref name="done"/> holds the ids with rows), in the order they
    /// came; the inbox is rewritten to hold only those.
    /// </summary>
    public async Task<IReadOnlyList<IncomingLog>> PendingAsync(IReadOnlySet<string> done, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var pending = new List<IncomingLog>();
        var kept = new StringBuilder();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(Path, cancellationToken).ConfigureAwait(false))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var id = document.RootElement.GetProperty("id").GetString()!;
                var datapoint = Dataset.ParseRow(document.RootElement, new SourceLocation(Path, number), null);
                if (done.Contains(id) || datapoint.SuppliedLog is null)
                {
                    continue;
                }

                pending.Add(new IncomingLog { Id = id, Datapoint = datapoint with { Id = id }, Log = datapoint.SuppliedLog });
                kept.Append(line).Append('\n');
            }
            catch (Exception ex) when (ex is JsonException or DatasetException or KeyNotFoundException or InvalidOperationException)
            {
                // A line cut by a crash while it was written was never acknowledged.
            }
        }

        await AtomicFile.WriteAllTextAsync(Path, kept.ToString(), cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _written, pending.Count);
        return pending;
    }

    /// <summary>
    /// Rewrites the inbox (atomically) with only the logs whose ids are in <paramref name="keep"/>: the others have their
    /// rows. The caller keeps <see cref="Append"/> from running meanwhile.
    /// </summary>
    public async Task KeepOnlyAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken)
    {
        var kept = new StringBuilder();
        var count = 0;
        if (keep.Count > 0 && File.Exists(Path))
        {
            foreach (var line in await File.ReadAllLinesAsync(Path, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    if (document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && keep.Contains(id.GetString()!))
                    {
                        kept.Append(line).Append('\n');
                        count++;
                    }
                }
                catch (JsonException)
                {
                    // A line cut by a crash while it was written was never acknowledged.
                }
            }
        }

        await AtomicFile.WriteAllTextAsync(Path, kept.ToString(), cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _written, count);
    }

    /// <summary>A log as one dataset row: the datapoint's fields and the log fields, in the shape datasets use.</summary>
    internal static string RowOf(IncomingLog incoming)
    {
        var (datapoint, log) = (incoming.Datapoint, incoming.Log);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", incoming.Id);
            json.WritePropertyName("messages");
            ToolCallJson.WriteMessages(json, datapoint.Messages);
            ToolCallJson.WriteToolFields(json, datapoint);
            if (datapoint.Expected is { } expected)
            {
                json.WritePropertyName("expected");
                expected.WriteTo(json);
            }

            if (datapoint.Context.Count > 0)
            {
                json.WriteStartObject("context");
                foreach (var (name, value) in datapoint.Context)
                {
                    json.WritePropertyName(name);
                    value.WriteTo(json);
                }

                json.WriteEndObject();
            }

            if (datapoint.Tags.Count > 0)
            {
                json.WriteStartArray("tags");
                datapoint.Tags.ToList().ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            json.WriteString("generated_response", log.Response ?? string.Empty);
            if (log.Model is { } model)
            {
                json.WriteString("model", model);
            }

            if (log.LatencyMs is { } latency)
            {
                json.WriteNumber("latency_ms", latency);
            }

            WriteNumber(json, "input_tokens", log.InputTokens);
            WriteNumber(json, "output_tokens", log.OutputTokens);
            if (log.CostUsd is { } cost)
            {
                json.WriteNumber("cost_usd", cost);
            }

            if (log.Timestamp is { } timestamp)
            {
                json.WriteString("timestamp", timestamp.ToString("O", CultureInfo.InvariantCulture));
            }

            WriteText(json, "trace_id", log.TraceId);
            WriteText(json, "span_id", log.SpanId);
            WriteText(json, "response_id", log.ResponseId);
            ToolCallJson.WriteSteps(json, log.Steps);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteText(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }
}

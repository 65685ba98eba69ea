using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Online;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Cli.Online;

/// <summary><c>POST /logs</c>: one log (a JSON object), a JSON array of logs, or JSONL.</summary>
internal sealed partial class LogListener
{
    private async Task HandleLogsAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false) || await ReadBodyAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        var requestId = RequestId(context);
        List<IncomingLog> logs = [];
        var index = 0;
        try
        {
            foreach (var row in Rows(body, HasMediaType(context, "application/x-ndjson", "application/jsonl", "application/x-jsonlines")))
            {
                logs.Add(ToLog(row, requestId, index));
                index++;
            }
        }
        catch (DatasetException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"nothing was taken: {e.Message}", index, e.Location.Field).ConfigureAwait(false);
            return;
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"nothing was taken: log {index} is not JSON ({e.Message})", index).ConfigureAwait(false);
            return;
        }

        if (logs.Count > 0 && await _intake.AcceptAsync(logs, context.RequestAborted).ConfigureAwait(false) is var result and not IntakeResult.Stored)
        {
            await (result == IntakeResult.TooMany ? TooManyAsync(context, logs.Count) : BusyAsync(context)).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status202Accepted, new JsonObject
        {
            ["accepted"] = logs.Count,
            ["ids"] = new JsonArray([.. logs.Select(log => (JsonNode)JsonValue.Create(log.Id))]),
        }).ConfigureAwait(false);
    }

    /// <summary>One posted log as an incoming log; its id is its <c>id</c> field, else the request and its index.</summary>
    private IncomingLog ToLog(JsonElement row, string requestId, int index)
    {
        var location = new SourceLocation($"log {index}", 0);
        JsonStrings.Check(row, location);
        var datapoint = _parse(row, location);
        if (datapoint.SuppliedLog is not { } log)
        {
            throw new DatasetException(location.WithField("generated_response"), "is missing: a log needs the response that was given");
        }

        // A datapoint without an id gets one from its content; a log gets one from where it came, so identical logs stay distinct.
        var id = datapoint.Id == DatapointParser.DeriveId(datapoint) ? $"http:{requestId}:{index}" : datapoint.Id;
        return new IncomingLog { Id = id, Datapoint = datapoint with { Id = id }, Log = log };
    }

    /// <summary>The logs of a body: a JSON object or array, else (or when the content type says so) one JSON value per line.</summary>
    private static IEnumerable<JsonElement> Rows(byte[] body, bool lines)
    {
        if (!lines)
        {
            JsonElement? whole = null;
            try
            {
                using var document = JsonDocument.Parse(body);
                whole = document.RootElement.Clone();
            }
            catch (JsonException) when (Array.IndexOf(body, (byte)'\n') is var newline && newline >= 0 && newline < body.Length - 1)
            {
                // Several lines that are not one JSON document: JSONL.
            }

            if (whole is { } value)
            {
                if (value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in value.EnumerateArray())
                    {
                        yield return item;
                    }
                }
                else
                {
                    yield return value;
                }

                yield break;
            }
        }

        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            yield return document.RootElement.Clone();
        }
    }

    /// <summary>The client's X-Request-Id when it is short and plain (a resent request keeps its ids), else a new one.</summary>
    private static string RequestId(HttpContext context)
    {
        var given = context.Request.Headers["X-Request-Id"].ToString();
        return given.Length is > 0 and <= 64 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? given
            : Guid.NewGuid().ToString("N");
    }
}

using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Online;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Cli.Online;

/// <summary>
/// <c>POST /v1/logs</c>: OTLP/HTTP logs (protobuf or OTLP/JSON). GenAI events (prompt messages and completions, as the
/// OpenTelemetry OpenAI instrumentations send them) are joined to their chat span by trace id and span id; other log
/// records are ignored.
/// </summary>
internal sealed partial class LogListener
{
    private long _eventSequence;

    private async Task HandleOtlpLogsAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var json = HasMediaType(context, "application/json");
        if (!json && !HasMediaType(context, "application/x-protobuf"))
        {
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "send OTLP logs as application/x-protobuf or application/json (OTLP/HTTP)").ConfigureAwait(false);
            return;
        }

        if (await ReadBodyAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        ExportLogsServiceRequest request;
        try
        {
            request = json ? OtlpJson.Parse<ExportLogsServiceRequest>(body) : ExportLogsServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the body is not an OTLP ExportLogsServiceRequest").ConfigureAwait(false);
            return;
        }
        catch (FormatException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"the body is not an OTLP/JSON ExportLogsServiceRequest: {e.Message}").ConfigureAwait(false);
            return;
        }

        List<GenAIEvent> events = [];
        List<GenAIClient> unjoinable = [];
        foreach (var resource in request.ResourceLogs)
        {
            foreach (var scope in resource.ScopeLogs)
            {
                var client = GenAIClient.From(resource.Resource, scope.Scope);
                foreach (var record in scope.LogRecords)
                {
                    if (GenAIEvents.Read(record, client, Interlocked.Increment(ref _eventSequence)) is not { } genAI)
                    {
                        continue;
                    }

                    if (record.TraceId.IsEmpty || record.SpanId.IsEmpty)
                    {
                        unjoinable.Add(client);
                        continue;
                    }

                    events.Add(genAI);
                }
            }
        }

        var (plan, result) = await JoinAsync([], events, context.RequestAborted).ConfigureAwait(false);
        if (plan is null)
        {
            await (result == IntakeResult.TooMany ? TooManyAsync(context, events.Count) : BusyAsync(context)).ConfigureAwait(false);
            return;
        }

        foreach (var group in unjoinable.GroupBy(c => c))
        {
            _notices.Say(
                $"ids|{group.Key.Describe()}",
                group.Count(),
                n => $"watch: {(n == 1 ? "1 GenAI log event" : $"{n} GenAI log events")} from {group.Key.Describe()} had no trace and span id, so they cannot be joined to their chat span; "
                    + "not evaluated. Emit them in the chat span's context");
        }

        var response = new ExportLogsServiceResponse();
        var rejected = plan.RejectedLogRecords + plan.LateLogRecords + unjoinable.Count;
        if (rejected > 0)
        {
            List<string> why = [];
            if (plan.Rejected is { } client)
            {
                why.Add($"GenAI log events without message content were not taken: {client.Advice(Address)}");
            }

            if (plan.LateLogRecords > 0)
            {
                why.Add("GenAI log events that arrived after their call had ended were not taken: export a call's events together, with a batch log processor");
            }

            if (unjoinable.Count > 0)
            {
                why.Add("GenAI log events without a trace and span id cannot be joined to their chat span and were not taken");
            }

            response.PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = rejected, ErrorMessage = string.Join("; ", why) };
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = json ? "application/json" : "application/x-protobuf";
        var answer = json ? System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(response)) : response.ToByteArray();
        await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }
}

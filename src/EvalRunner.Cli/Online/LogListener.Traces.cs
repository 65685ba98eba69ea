using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Logs;
using EvalRunner.Online;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Cli.Online;

/// <summary><c>POST /v1/traces</c>: OTLP/HTTP traces (protobuf or OTLP/JSON); GenAI chat spans become logs, other spans are ignored.</summary>
internal sealed partial class LogListener
{
    private async Task HandleTracesAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var json = HasMediaType(context, "application/json");
        if (!json && !HasMediaType(context, "application/x-protobuf"))
        {
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "send OTLP traces as application/x-protobuf or application/json (OTLP/HTTP)").ConfigureAwait(false);
            return;
        }

        if (await ReadBodyAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        ExportTraceServiceRequest request;
        try
        {
            request = json ? OtlpJson.Parse<ExportTraceServiceRequest>(body) : ExportTraceServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the body is not an OTLP ExportTraceServiceRequest").ConfigureAwait(false);
            return;
        }
        catch (FormatException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"the body is not an OTLP/JSON ExportTraceServiceRequest: {e.Message}").ConfigureAwait(false);
            return;
        }

        List<IncomingLog> logs = [];
        long rejected = 0;
        foreach (var span in request.ResourceSpans.SelectMany(resource => resource.ScopeSpans).SelectMany(scope => scope.Spans))
        {
            switch (GenAISpans.ToLog(span))
            {
                case { Log: { } log }:
                    logs.Add(log);
                    break;
                case { Missing: true }:
                    rejected++;
                    break;
            }
        }

        if (logs.Count > 0 && await _intake.AcceptAsync(logs, context.RequestAborted).ConfigureAwait(false) is var result and not IntakeResult.Stored)
        {
            await (result == IntakeResult.TooMany ? TooManyAsync(context, logs.Count) : BusyAsync(context)).ConfigureAwait(false);
            return;
        }

        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = rejected,
                ErrorMessage = "GenAI chat spans without message content were not taken (enable sensitive data in the OpenTelemetry chat client)",
            };
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = json ? "application/json" : "application/x-protobuf";
        var answer = json ? System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(response)) : response.ToByteArray();
        await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }
}

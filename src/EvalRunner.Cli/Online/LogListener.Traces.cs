using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Logs;
using EvalRunner.Online;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Cli.Online;

/// <summary>
/// <c>POST /v1/traces</c>: OTLP/HTTP traces (protobuf or OTLP/JSON); GenAI chat spans become logs, with their messages
/// from the span or from their log events on <c>/v1/logs</c>; the invoke_agent, chat and execute_tool spans of an agent
/// trace become one log with its trajectory; other spans are ignored.
/// </summary>
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

        List<GenAISpan> spans = [];
        foreach (var resource in request.ResourceSpans)
        {
            foreach (var scope in resource.ScopeSpans)
            {
                var client = GenAIClient.From(resource.Resource, scope.Scope);
                spans.AddRange(scope.Spans.Select(span => GenAISpans.Read(span, client)).OfType<GenAISpan>());
            }
        }

        var (plan, result) = await JoinAsync(spans, [], context.RequestAborted).ConfigureAwait(false);
        if (plan is null)
        {
            await (result == IntakeResult.TooMany ? TooManyAsync(context, spans.Count) : BusyAsync(context)).ConfigureAwait(false);
            return;
        }

        var response = new ExportTraceServiceResponse();
        if (plan.RejectedSpans > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = plan.RejectedSpans,
                ErrorMessage = $"GenAI chat spans without message content were not taken: {plan.Rejected!.Advice(Address)}",
            };
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = json ? "application/json" : "application/x-protobuf";
        var answer = json ? System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(response)) : response.ToByteArray();
        await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }
}

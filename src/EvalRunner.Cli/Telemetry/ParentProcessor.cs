using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace EvalRunner.Cli.Telemetry;

/// <summary>
/// Sets each evaluation event's trace id and span id to those of the span that made the evaluated log, explicitly,
/// whatever Activity is current: the event then belongs to the judged span (or to no span when the log named none).
/// It runs in the emitting call, before the batch processor takes the record.
/// </summary>
internal sealed class ParentProcessor : BaseProcessor<LogRecord>
{
    [ThreadStatic]
    private static ActivityContext? _next;

    /// <summary>Emits through <paramref name="emit"/> with <paramref name="parent"/> as the records' trace context.</summary>
    public static void With(ActivityContext parent, Action emit)
    {
        _next = parent;
        try
        {
            emit();
        }
        finally
        {
            _next = null;
        }
    }

    public override void OnEnd(LogRecord data)
    {
        if (_next is not { } parent)
        {
            return;
        }

        data.TraceId = parent.TraceId;
        data.SpanId = parent.SpanId;
        data.TraceFlags = parent.TraceFlags;
    }
}

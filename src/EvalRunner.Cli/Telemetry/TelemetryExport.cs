using System.Diagnostics;
using System.Text.Json;
using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Suites;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace EvalRunner.Cli.Telemetry;

/// <summary>
/// The OpenTelemetry SDK for one suite's run or watch: each evaluation of each row written becomes a
/// <c>gen_ai.evaluation.result</c> event (a log record, OTLP/HTTP protobuf), on the judged span when its log knows it.
/// Export never holds up evaluation: records wait in a bounded queue (the SDK's batch processor) and what the endpoint
/// did not take is counted and told (<see cref="Summary"/>, and a warning while it fails).
/// </summary>
/// <remarks>
/// Every signal goes to one <see cref="OtlpExportOptions"/>. A further signal (a MeterProvider for the watcher's
/// metrics) is built beside the logger factory in <see cref="Start"/> with
/// <c>.AddOtlpExporter((exporter, reader) =&gt; options.Apply(exporter, OtlpExportOptions.Metrics))</c> and disposed in
/// <see cref="Dispose"/>.
/// </remarks>
internal sealed class TelemetryExport : IDisposable
{
    /// <summary>The event name of the OpenTelemetry GenAI semantic conventions.</summary>
    public const string EventName = "gen_ai.evaluation.result";

    /// <summary>Records that may wait for the exporter; more are dropped (and counted) rather than slow evaluation.</summary>
    public const int MaxQueueSize = 4096;

    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);
    private static readonly EventId Event = new(0, EventName);

    private readonly OtlpExportOptions _options;
    private readonly Suite _suite;
    private readonly Settings _settings;
    private readonly Action<string> _say;
    private readonly TimeProvider _time;
    private readonly DeliveryCounter _counter = new();
    private readonly ILoggerFactory _loggers;
    private readonly BatchLogRecordExportProcessor _batch;
    private readonly ILogger _logger;
    private long _emitted;
    private long _warnedFailed;
    private bool _unanswered;
    private DateTimeOffset _warnedAt = DateTimeOffset.MinValue;

    private TelemetryExport(OtlpExportOptions options, Suite suite, Settings settings, Action<string> say, TimeProvider time)
    {
        (_options, _suite, _settings, _say, _time) = (options, suite, settings, say, time);
        var exporterOptions = new OtlpExporterOptions();
        options.Apply(exporterOptions, OtlpExportOptions.Logs, _counter);
        _batch = new BatchLogRecordExportProcessor(
            new OtlpLogExporter(exporterOptions),
            maxQueueSize: MaxQueueSize,
            scheduledDelayMilliseconds: 1000,
            exporterTimeoutMilliseconds: (int)OtlpExportOptions.ExportTimeout.TotalMilliseconds,
            maxExportBatchSize: 512);
        _loggers = LoggerFactory.Create(builder => builder.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("evalrunner", serviceVersion: typeof(TelemetryExport).Assembly.GetName().Version?.ToString(3)));
            logging.IncludeFormattedMessage = false;
            logging.IncludeScopes = false;
            logging.AddProcessor(new ParentProcessor());
            logging.AddProcessor(_batch);
        }));
        _logger = _loggers.CreateLogger("EvalRunner");
    }

    /// <summary>Evaluation events emitted so far.</summary>
    public long Emitted => Interlocked.Read(ref _emitted);

    /// <summary>
    /// Starts the export of <paramref name="suite"/>'s evaluations to <paramref name="options"/>; null when there is
    /// nowhere to export. <paramref name="say"/> gets the warnings of a failing endpoint.
    /// </summary>
    public static TelemetryExport? Start(OtlpExportOptions? options, Suite suite, Settings settings, Action<string> say, TimeProvider? time = null) =>
        options is null ? null : new TelemetryExport(options, suite, settings, say, time ?? TimeProvider.System);

    /// <summary>Where the events go, as it may be shown.</summary>
    public string Destination => _options.Shown(OtlpExportOptions.Logs);

    /// <summary>
    /// Emits one event per evaluation of <paramref name="row"/> (the engine's row hook: one row at a time, on the
    /// writer's thread). Never throws and never waits on the network.
    /// </summary>
    public void Written(Row row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var parent = Parent(row.Log);
        foreach (var evaluation in row.Evaluations)
        {
            var columns = _suite.Evaluators.FirstOrDefault(e => e.Name == evaluation.Evaluator)?.Columns ?? [];
            var attributes = Attributes(row, evaluation, EvaluationScore.Of(evaluation, columns));
            ParentProcessor.With(parent, () => _logger.Log(LogLevel.Information, Event, attributes, null, static (_, _) => string.Empty));
            Interlocked.Increment(ref _emitted);
        }

        WarnWhenFailing();
    }

    /// <summary>
    /// Sends what waits (for at most the export timeout, and as long again for an export on its way), then closes: what
    /// is still not sent counts as not delivered.
    /// Returns the line that tells how the export went.
    /// </summary>
    public string Finish()
    {
        // A batch already taken from the queue counts as flushed: wait for the export on its way too.
        var flushed = _batch.ForceFlush((int)OtlpExportOptions.ExportTimeout.TotalMilliseconds);
        var idle = _counter.WaitIdle(OtlpExportOptions.ExportTimeout);
        _unanswered = !flushed || !idle;
        _counter.Close();
        return Summary();
    }

    /// <summary>How the export went so far: events sent, or how many were not delivered and why.</summary>
    public string Summary()
    {
        var emitted = Emitted;
        var lost = emitted - _counter.Delivered;
        return lost <= 0
            ? $"otlp: {emitted} evaluation events sent to {Destination}"
            : _settings.Redact($"warning: otlp: {lost} of {emitted} evaluation events not delivered to {Destination}"
                + (_counter.LastFailure is { } why ? $" (the last export {why})"
                    : _unanswered ? $" (the endpoint did not answer within {OtlpExportOptions.ExportTimeout.TotalSeconds:0} s)"
                    : " (the export queue was full)"));
    }

    public void Dispose()
    {
        _counter.Close();
        _loggers.Dispose();
        _counter.Dispose();
    }

    /// <summary>A warning while the endpoint fails: at most one a minute, when more events were lost since the last.</summary>
    private void WarnWhenFailing()
    {
        var failed = _counter.Failed;
        var now = _time.GetUtcNow();
        if (failed > Interlocked.Read(ref _warnedFailed) && now - _warnedAt >= WarningInterval)
        {
            (_warnedFailed, _warnedAt) = (failed, now);
            _say(_settings.Redact($"warning: otlp: exports to {Destination} fail ({_counter.LastFailure}); {failed} evaluation events not delivered so far. Evaluation goes on"));
        }
    }

    /// <summary>The span that made the log, when its log said; else no parent.</summary>
    private static ActivityContext Parent(Logs.Log log) =>
        log.TraceId is { } trace && log.SpanId is { } span
            ? new ActivityContext(ActivityTraceId.CreateFromString(trace), ActivitySpanId.CreateFromString(span), ActivityTraceFlags.Recorded)
            : default;

    /// <summary>The event's attributes: the GenAI conventions' and the suite's, every text redacted.</summary>
    private List<KeyValuePair<string, object?>> Attributes(Row row, Evaluation evaluation, EvaluationScore score)
    {
        var attributes = new List<KeyValuePair<string, object?>>(12)
        {
            new("gen_ai.evaluation.name", evaluation.Evaluator),
        };
        if (score.Value is { } value)
        {
            attributes.Add(new("gen_ai.evaluation.score.value", value));
        }

        if (score.Label is { } label)
        {
            attributes.Add(new("gen_ai.evaluation.score.label", _settings.Redact(label)));
        }

        if (score.Explanation is { Length: > 0 } explanation)
        {
            attributes.Add(new("gen_ai.evaluation.explanation", EvaluationScore.Cap(_settings.Redact(explanation))));
        }

        if (row.Log.ResponseId is { } responseId)
        {
            attributes.Add(new("gen_ai.response.id", _settings.Redact(responseId)));
        }

        if (evaluation.Error is { } error)
        {
            attributes.Add(new("error.type", JsonNamingPolicy.SnakeCaseLower.ConvertName(error.Kind.ToString())));
        }

        attributes.Add(new("evalrunner.suite", _suite.Name));
        attributes.Add(new("evalrunner.model_config", _settings.Redact(row.ModelConfig)));
        attributes.Add(new("evalrunner.datapoint_id", _settings.Redact(row.DatapointId)));
        if (row.Trial > 1)
        {
            attributes.Add(new("evalrunner.trial", (long)row.Trial));
        }

        attributes.Add(new("evalrunner.outcome", JsonNamingPolicy.SnakeCaseLower.ConvertName(row.Outcome.ToString())));
        return attributes;
    }
}

using System.Net;
using OpenTelemetry.Metrics;

namespace EvalRunner.Cli.Online;

/// <summary>Where the watcher's metrics (meter <c>EvalRunner.Watch</c>) go.</summary>
internal sealed record WatchTelemetryOptions
{
    /// <summary>Serve <c>GET /metrics</c> (Prometheus text format) on the log listener of <c>watch --listen</c>.</summary>
    public bool ScrapeOnListener { get; init; }

    /// <summary>Serve <c>GET /metrics</c> on this address with a listener of its own (<c>watch --metrics</c>).</summary>
    public IPEndPoint? MetricsEndpoint { get; init; }

    /// <summary>More exporters for the same metrics, each added to the one meter provider (an OTLP exporter, say).</summary>
    public IReadOnlyList<Action<MeterProviderBuilder>> Exporters { get; init; } = [];

    /// <summary>Whether the metrics go anywhere at all.</summary>
    public bool Any => ScrapeOnListener || MetricsEndpoint is not null || Exporters.Count > 0;
}

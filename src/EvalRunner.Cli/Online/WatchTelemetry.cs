using System.Net;
using EvalRunner.Online;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace EvalRunner.Cli.Online;

/// <summary>
/// The one place the watcher's OpenTelemetry meter provider is built: it listens to the engine's meter
/// (<see cref="WatchMetrics.MeterName"/>) and exports to what <see cref="WatchTelemetryOptions"/> asks for.
/// </summary>
internal static class WatchTelemetry
{
    /// <summary>The path Prometheus scrapes, on the listener and on <c>--metrics</c>.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// The meter provider, or null when the metrics go nowhere. Built before the watcher starts, so that the rules'
    /// gauges of rows read back at a start are recorded.
    /// </summary>
    /// <exception cref="MetricsEndpointException">The <c>--metrics</c> address cannot be listened on.</exception>
    public static MeterProvider? CreateMeterProvider(WatchTelemetryOptions options)
    {
        if (!options.Any)
        {
            return null;
        }

        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("evalrunner"))
            .AddMeter(WatchMetrics.MeterName);
        if (options.ScrapeOnListener)
        {
            builder.AddPrometheusExporter();
        }

        if (options.MetricsEndpoint is { } endpoint)
        {
            builder.AddPrometheusHttpListener(listener =>
            {
                var any = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any);
                listener.Host = endpoint.Address.ToString();
                listener.Port = endpoint.Port;
                listener.ScrapeEndpointPath = ScrapePath;
                if (any)
                {
                    // Every address: HttpListener's wildcard host, which answers whatever host a scrape names.
                    listener.ConfigureHttpListener = (_, http) =>
                    {
                        http.Prefixes.Clear();
                        http.Prefixes.Add($"http://+:{endpoint.Port}{ScrapePath}/");
                    };
                }
            });
        }

        foreach (var exporter in options.Exporters)
        {
            exporter(builder);
        }

        try
        {
            return builder.Build();
        }
        catch (InvalidOperationException ex) when (options.MetricsEndpoint is { } failed)
        {
            var reason = ex.InnerException is { } inner ? inner.Message : ex.Message;
            throw new MetricsEndpointException($"--metrics {Format(failed)}: cannot listen there: {reason}", ex);
        }
    }

    /// <summary>
    /// The address of <c>--metrics</c>: a port alone is on the loopback address (127.0.0.1), an address and port as
    /// written; null when the text is neither or the port is 0.
    /// </summary>
    public static IPEndPoint? ParseEndpoint(string text)
    {
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            return port is > 0 and <= IPEndPoint.MaxPort ? new IPEndPoint(IPAddress.Loopback, port) : null;
        }

        return IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 && text.Contains(':', StringComparison.Ordinal) ? endpoint : null;
    }

    /// <summary>An address as it is written on the command line: 127.0.0.1:9464, [::1]:9464.</summary>
    public static string Format(IPEndPoint endpoint) => endpoint.ToString();
}

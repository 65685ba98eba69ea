using System.Net;

namespace EvalRunner.Cli.Online;

/// <summary>Where the log listener listens and what it lets in.</summary>
internal sealed record LogListenerOptions
{
    /// <summary>The default body limit: 10 MB.</summary>
    public const long DefaultMaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>The default grace period: 2 seconds.</summary>
    public static readonly TimeSpan DefaultLateEventGrace = TimeSpan.FromSeconds(2);

    /// <summary>The address and port (0: any free port) to listen on, such as 127.0.0.1:4318.</summary>
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>When set, a request without <c>Authorization: Bearer</c> and this token is answered 401.</summary>
    public string? BearerToken { get; init; }

    /// <summary>A larger request body is answered 413 (after decompression for gzip bodies).</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>The clock that bounds how long a GenAI span and its log events wait for each other.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How long a GenAI call that has its span, a prompt and its completion still waits for late log events of it before
    /// it is evaluated; an event later still is counted and said, not joined. Zero ends a call as soon as it looks complete.
    /// </summary>
    public TimeSpan LateEventGrace { get; init; } = DefaultLateEventGrace;

    /// <summary>
    /// The watcher's metrics, served as <c>GET /metrics</c> for Prometheus (behind the bearer token when one is set); none
    /// when null. The provider needs the Prometheus exporter (<see cref="WatchTelemetryOptions.ScrapeOnListener"/>).
    /// </summary>
    public OpenTelemetry.Metrics.MeterProvider? Metrics { get; init; }

    /// <summary>Where the listener says what it did not evaluate and why (one line, at most one a minute per reason).</summary>
    public Action<string>? Notice { get; init; }
}

namespace EvalRunner.Cli;

/// <summary>
/// What <c>evalrunner watch</c> was asked to follow and where it writes; with <c>Otlp</c>, where its evaluation events
/// and metrics go (<c>--otlp</c>, which replaces the suite's <c>export:</c>).
/// </summary>
internal sealed record WatchRequest(string Suite, string? Logs, Online.LogListenerOptions? Listen, string OutDirectory, TimeSpan Poll, bool AllowOutsidePaths, EvalRunner.Datasets.Shard? Shard = null, string? Otlp = null)
{
    /// <summary>Where <c>--metrics</c> serves <c>GET /metrics</c> with a listener of its own; null without it.</summary>
    public System.Net.IPEndPoint? Metrics { get; init; }
}

namespace EvalRunner.Cli;

/// <summary>What <c>evalrunner watch</c> was asked to follow and where it writes.</summary>
internal sealed record WatchRequest(string Suite, string? Logs, Online.LogListenerOptions? Listen, string OutDirectory, TimeSpan Poll, bool AllowOutsidePaths, EvalRunner.Datasets.Shard? Shard = null)
{
    /// <summary>Where <c>--metrics</c> serves <c>GET /metrics</c> with a listener of its own; null without it.</summary>
    public System.Net.IPEndPoint? Metrics { get; init; }
}

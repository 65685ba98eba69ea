namespace EvalRunner.Cli;

/// <summary>What <c>evalrunner watch</c> was asked to follow and where it writes.</summary>
internal sealed record WatchRequest(string Suite, string? Logs, Online.LogListenerOptions? Listen, string OutDirectory, TimeSpan Poll, bool AllowOutsidePaths, EvalRunner.Datasets.Shard? Shard = null);

namespace EvalRunner.Cli;

/// <summary>What <c>evalrunner watch</c> was asked to follow and where it writes (and, with <c>Otlp</c>, where its evaluation events go: <c>--otlp</c>, which replaces the suite's <c>export:</c>).</summary>
internal sealed record WatchRequest(string Suite, string? Logs, Online.LogListenerOptions? Listen, string OutDirectory, TimeSpan Poll, bool AllowOutsidePaths, string? Otlp = null);

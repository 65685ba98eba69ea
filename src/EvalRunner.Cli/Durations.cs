namespace EvalRunner.Cli;

/// <summary>Durations on the command line: 500ms, 30s, 10m, 12h, 7d (the engine's one duration reader).</summary>
internal static class Durations
{
    public static TimeSpan? Parse(string text) => ValueText.ParseDuration(text) is { } duration && duration > TimeSpan.Zero ? duration : null;
}

namespace EvalRunner.Cli;

/// <summary>The arguments of <c>evalrunner report</c>.</summary>
internal sealed record ReportRequest(string Directory, string Format, string? OutFile, bool Github, string Comment, bool FailOnThresholds, string? CommentAuthor = null, TimeSpan? Since = null, string? Baseline = null);

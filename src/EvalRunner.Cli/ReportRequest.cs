namespace EvalRunner.Cli;

/// <summary>The arguments of <c>evalrunner report</c>: one results directory, or several whose runs of one suite are joined.</summary>
internal sealed record ReportRequest(IReadOnlyList<string> Directories, string Format, string? OutFile, bool Github, string Comment, bool FailOnThresholds, string? CommentAuthor = null, TimeSpan? Since = null, string? Baseline = null);

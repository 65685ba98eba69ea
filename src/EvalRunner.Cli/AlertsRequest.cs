namespace EvalRunner.Cli;

/// <summary>The arguments of <c>evalrunner alerts</c>.</summary>
internal sealed record AlertsRequest
{
    public required string Suite { get; init; }

    /// <summary>The rules file to write; null writes to standard output.</summary>
    public string? OutFile { get; init; }

    /// <summary>Overrides the suite's <c>online.window</c> when set.</summary>
    public TimeSpan? Window { get; init; }

    public TimeSpan For { get; init; }

    public required string Severity { get; init; }

    public bool AllowOutsidePaths { get; init; }
}

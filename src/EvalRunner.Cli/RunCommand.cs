using EvalRunner.Datasets;
using EvalRunner.Runs;

namespace EvalRunner.Cli;

/// <summary>The arguments of <c>evalrunner run</c>.</summary>
internal sealed record RunCommand
{
    public required IReadOnlyList<string> Suites { get; init; }

    public required string OutDirectory { get; init; }

    public int? Concurrency { get; init; }

    /// <summary>Overrides each suite's <c>run.repeat</c> when set.</summary>
    public int? Repeat { get; init; }

    public DatapointFilter? Filter { get; init; }

    public string Cache { get; init; } = "read-write";

    public string CacheDirectory { get; init; } = ".evalrunner/cache";

    public TimeSpan? CacheTtl { get; init; }

    public bool Resume { get; init; }

    public bool ResumeAnyway { get; init; }

    public bool DryRun { get; init; }

    public bool AllowOutsidePaths { get; init; }

    public string? Baseline { get; init; }

    /// <summary>Runs only this shard's datapoints (<c>--shard I/N</c>) when set.</summary>
    public Shard? Shard { get; init; }

    /// <summary>The OTLP/HTTP endpoint for evaluation events (<c>--otlp</c>); replaces each suite's <c>export:</c> when set.</summary>
    public string? Otlp { get; init; }

    /// <summary>Model configs changed or added for this run (<c>--model NAME=MODEL</c>).</summary>
    public IReadOnlyList<EvalRunner.Suites.ModelOverride> Models { get; init; } = [];
}

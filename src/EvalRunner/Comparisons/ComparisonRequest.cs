using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Comparisons;

/// <summary>What a comparison compares: the head run, its baseline's directory, and the head suite's rules.</summary>
internal sealed record ComparisonRequest
{
    /// <summary>The head run (its run.json, or the result about to be written).</summary>
    public required RunResult Head { get; init; }

    /// <summary>The head's run directory (its results.jsonl).</summary>
    public required string HeadDirectory { get; init; }

    /// <summary>The baseline's run directory; null when no baseline was given.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Why there is no <see cref="BaseDirectory"/>, when a baseline was given and not found.</summary>
    public string? BaseNote { get; init; }

    /// <summary>The head suite: its aggregate and regression rules and its column types; null when it cannot be read.</summary>
    public Suite? Suite { get; init; }

    /// <summary>Tolerance, alpha, max age.</summary>
    public BaselineOptions Options { get; init; } = new();

    /// <summary>
    /// Compares two model configs of one run instead of two runs: the base side is this config's rows (read from
    /// <see cref="BaseDirectory"/>, which is then the head's own directory), paired by datapoint with the rows of
    /// <see cref="HeadModel"/>. Null compares every model config with the same one of the baseline.
    /// </summary>
    public string? BaseModel { get; init; }

    /// <summary>With <see cref="BaseModel"/>: the model config whose rows are the head side.</summary>
    public string? HeadModel { get; init; }

    /// <summary>Now, for the baseline's age.</summary>
    public required DateTimeOffset Now { get; init; }
}

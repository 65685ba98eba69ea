namespace EvalRunner.Results;

/// <summary>
/// A repeated run (<c>run.repeat</c> above 1) decided per datapoint × model config, by the k-of-n rule: it passed when
/// at least <see cref="MinPasses"/> of its <see cref="Repeat"/> trials passed.
/// </summary>
internal sealed record DatapointSummary
{
    /// <summary>The most flaky datapoints listed in <see cref="FlakyDatapoints"/>.</summary>
    public const int MaxListed = 50;

    /// <summary>Trials per datapoint × model config.</summary>
    public int Repeat { get; init; }

    /// <summary>Trials that must pass.</summary>
    public int MinPasses { get; init; }

    /// <summary>Datapoint × model config pairs measured (at least one trial not left out).</summary>
    public int Total { get; init; }

    /// <summary>Pairs with at least <see cref="MinPasses"/> passing trials.</summary>
    public int Passed { get; init; }

    /// <summary>Pairs with fewer passing trials and at least one failing trial.</summary>
    public int Failed { get; init; }

    /// <summary>Pairs with fewer passing trials whose other trials only errored.</summary>
    public int Errored { get; init; }

    /// <summary>Pairs whose trials passed some of the time and not all of it, whether they met <see cref="MinPasses"/> or not.</summary>
    public int Flaky { get; init; }

    /// <summary>The flaky pairs, by model config then id, at most <see cref="MaxListed"/>.</summary>
    public IReadOnlyList<FlakyDatapoint> FlakyDatapoints { get; init; } = [];
}

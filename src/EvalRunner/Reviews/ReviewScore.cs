namespace EvalRunner.Reviews;

/// <summary>One reviewer's score of one datapoint (for one model config, or for all when <see cref="ModelConfig"/> is null).</summary>
internal sealed record ReviewScore
{
    public required string DatapointId { get; init; }

    public string? ModelConfig { get; init; }

    public required string Reviewer { get; init; }

    /// <summary>The values by column name, as text (a form's fields); null or empty means no value.</summary>
    public required IReadOnlyDictionary<string, string?> Values { get; init; }
}

using EvalRunner.Datasets;

namespace EvalRunner.Datasets;

/// <summary>
/// Selects datapoints by id or by <c>tag:NAME</c> (a datapoint is kept when any term matches; no terms keep every
/// datapoint), and by <see cref="Shard"/> when set.
/// </summary>
internal sealed record DatapointFilter
{
    /// <summary>The terms as given: ids, or <c>tag:NAME</c>.</summary>
    public required IReadOnlyList<string> Terms { get; init; }

    /// <summary>Only the datapoints of this shard (<c>--shard I/N</c>) when set.</summary>
    public Shard? Shard { get; init; }

    /// <summary>Whether the datapoint is in the shard (when one is set) and matches any term (when there are terms).</summary>
    public bool Matches(Datapoint datapoint)
    {
        ArgumentNullException.ThrowIfNull(datapoint);
        if (Shard?.Contains(datapoint.Id) == false)
        {
            return false;
        }

        if (Terms.Count == 0)
        {
            return true;
        }

        foreach (var term in Terms)
        {
            if (term.StartsWith("tag:", StringComparison.Ordinal)
                ? datapoint.Tags.Contains(term[4..], StringComparer.Ordinal)
                : string.Equals(datapoint.Id, term, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

using EvalRunner.Datasets;

namespace EvalRunner.Runs;

/// <summary>Selects datapoints by id or by <c>tag:NAME</c>; a datapoint is kept when any term matches.</summary>
internal sealed record DatapointFilter
{
    /// <summary>The terms as given: ids, or <c>tag:NAME</c>.</summary>
    public required IReadOnlyList<string> Terms { get; init; }

    /// <summary>Whether the datapoint matches any term.</summary>
    public bool Matches(Datapoint datapoint)
    {
        ArgumentNullException.ThrowIfNull(datapoint);
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

namespace EvalRunner.Logs;

/// <summary>
/// A cause of failure that no retry fixes (a 4xx answer, an exhausted quota, a wait longer than the run allows), as
/// data: the same <see cref="Key"/> on row after row stops the run early.
/// </summary>
internal sealed record ProviderFault
{
    /// <summary>Identifies the cause (status and provider error code), never a datapoint's own text.</summary>
    public required string Key { get; init; }

    /// <summary>
    /// True when the cause is the account's or the endpoint's (a bad key, no quota, an unknown model), so that it stops the
    /// run even after some rows succeeded; false when it may be the datapoint's (a prompt over the context length).
    /// </summary>
    public bool AccountWide { get; init; }
}

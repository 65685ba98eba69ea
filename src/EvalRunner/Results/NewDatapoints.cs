namespace EvalRunner.Results;

/// <summary>
/// What datapoints only in the head run mean to a regression rule (<c>baseline.new_datapoints</c>, or the rule's own
/// <c>new_datapoints</c>). A rule compares the datapoints both runs share either way.
/// </summary>
internal enum NewDatapoints
{
    /// <summary>Listed in the reports (those that did not pass first); they decide nothing. The default.</summary>
    Report,

    /// <summary>Every new datapoint must pass: one that did not breaks the rule.</summary>
    MustPass,
}

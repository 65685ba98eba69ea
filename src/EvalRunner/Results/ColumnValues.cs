using System.Collections;

namespace EvalRunner.Results;

/// <summary>
/// One number per row for a column an aggregate threshold reads, null where the row has none: eight bytes a row, in
/// chunks of 8,192 (no copy as the run grows, nothing on the large object heap). A missing value is kept as one NaN
/// bit pattern no arithmetic produces, so every double, NaN and infinities included, is kept exactly.
/// </summary>
internal sealed class ColumnValues : IReadOnlyList<double?>
{
    private const int ChunkShift = 13;
    private const int ChunkSize = 1 << ChunkShift;

    // A quiet NaN with a payload of its own: operations that produce NaN give the default payload, never this one.
    private const long MissingBits = 0x7FF8_0000_EAEA_0001;

    private readonly List<double[]> _chunks = [];

    /// <summary>A value as a number: bool as 1/0, integers and floats as they are; null otherwise.</summary>
    public static double? ToDouble(object? value) => value switch
    {
        bool flag => flag ? 1 : 0,
        long integer => integer,
        int integer => integer,
        double number => number,
        float number => number,
        decimal number => (double)number,
        _ => null,
    };

    /// <summary>Values in a fixed order: nulls, then ascending (NaN first, as <see cref="double.CompareTo(double)"/> orders it).</summary>
    public static List<double?> Ordered(IEnumerable<double?> values)
    {
        var ordered = new List<double?>(values);
        ordered.Sort(static (a, b) => a is { } x ? b is { } y ? x.CompareTo(y) : 1 : b is null ? 0 : -1);
        return ordered;
    }

    public int Count { get; private set; }

    public double? this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var value = _chunks[index >> ChunkShift][index & (ChunkSize - 1)];
            return BitConverter.DoubleToInt64Bits(value) == MissingBits ? null : value;
        }
    }

    public void Add(double? value)
    {
        var offset = Count & (ChunkSize - 1);
        if (offset == 0)
        {
            _chunks.Add(new double[ChunkSize]);
        }

        _chunks[^1][offset] = value ?? BitConverter.Int64BitsToDouble(MissingBits);
        Count++;
    }

    public IEnumerator<double?> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

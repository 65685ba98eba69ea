using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Xunit;

/// <summary>The rows of one datapoint × model config as its trials finish; complete when every trial has its row.</summary>
internal sealed class TrialRows(int repeat)
{
    private readonly List<Row> _rows = new(repeat);

    /// <summary>Every trial's row, by trial, once the last one finished.</summary>
    public TaskCompletionSource<IReadOnlyList<Row>> Rows { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(Row row)
    {
        lock (_rows)
        {
            if (_rows.Any(r => r.Trial == row.Trial))
            {
                return;
            }

            _rows.Add(row);
            if (_rows.Count < repeat)
            {
                return;
            }
        }

        Rows.TrySetResult([.. _rows.OrderBy(r => r.Trial)]);
    }

    /// <summary>The rows of the trials that finished so far, by trial.</summary>
    public IReadOnlyList<Row> Snapshot()
    {
        lock (_rows)
        {
            return [.. _rows.OrderBy(r => r.Trial)];
        }
    }
}

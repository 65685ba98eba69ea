using EvalRunner.Results;

namespace EvalRunner.Runs;

/// <summary>Watches a run as it goes (the CLI's progress display). Calls come from one thread at a time.</summary>
internal interface IRunObserver
{
    /// <summary>The run is about to start <paramref name="total"/> rows.</summary>
    void Started(int total);

    /// <summary>
    /// The run is about to start <paramref name="total"/> rows; <paramref name="concurrency"/> tells, whenever asked,
    /// how many calls the run allows at once now (where the adaptive limiter stands).
    /// </summary>
    void Started(int total, Func<int> concurrency) => Started(total);

    /// <summary>A row finished and was written.</summary>
    void RowFinished(Row row);
}

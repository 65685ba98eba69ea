namespace EvalRunner.Caching;

/// <summary>
/// The trial of a repeated run that the calls of the current row belong to (<c>run.repeat</c>), flowing with the row's
/// async work to every cached client it calls, generation and judges alike. Trial 1 keys the cache as a run without
/// <c>repeat</c> does; a later trial adds its number, so that each trial is a call of its own.
/// </summary>
internal static class CacheTrial
{
    private static readonly AsyncLocal<int> Trial = new();

    /// <summary>The current row's trial: 1 unless a repeated run set another.</summary>
    public static int Current
    {
        get => Math.Max(1, Trial.Value);
        set => Trial.Value = value;
    }
}

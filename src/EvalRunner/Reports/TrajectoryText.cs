using System.Globalization;
using EvalRunner.Logs;

namespace EvalRunner.Reports;

/// <summary>
/// How reports show a log's trajectory: each step as one line of plain text (the report escapes it), each argument
/// and result cut to a short length, and of a long trajectory only its first and last steps.
/// </summary>
internal static class TrajectoryText
{
    /// <summary>What heads a trajectory: its number of steps, and whether the model was still calling tools when stopped.</summary>
    public static string Heading(Log log)
    {
        var count = log.Steps?.Count ?? 0;
        var steps = string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? "step" : "steps")}");
        return log.Status == LogStatus.MaxSteps ? steps + "; stopped at max_steps: the model was still calling tools" : steps;
    }

    /// <summary>
    /// How many of <paramref name="count"/> steps to show from the start and from the end so that at most
    /// <paramref name="most"/> are shown; the steps between are omitted.
    /// </summary>
    public static (int Head, int Tail) Shown(int count, int most) => count <= most ? (count, 0) : (most - (most / 2), most / 2);

    /// <summary>
    /// A step as one line: <c>model call: 120 tokens in, 30 out, 850 ms</c>, or <c>tool name(arguments) → result; 12 ms</c>
    /// (<c>✗ error</c> for a failed call), each name, argument and result cut to <paramref name="limit"/> characters.
    /// </summary>
    public static string Step(TrajectoryStep step, int limit)
    {
        ArgumentNullException.ThrowIfNull(step);
        return TrajectoryLines.Step(step, limit);
    }
}

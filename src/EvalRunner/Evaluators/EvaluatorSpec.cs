
using EvalRunner.Generation;

namespace EvalRunner.Evaluators;

/// <summary>
/// What a suite says about one evaluator: data only. Loading a suite starts nothing; a run builds the live
/// evaluator from its spec (and disposes it at the end), after the check phase has checked what needs a process.
/// </summary>
internal abstract record EvaluatorSpec
{
    /// <summary>The evaluator's name: the prefix of its columns (<c>name.column</c>), unique within a suite.</summary>
    public required string Name { get; init; }

    /// <summary>The columns every evaluation returns, known at load time so that thresholds can be checked.</summary>
    public required IReadOnlyList<Column> Columns { get; init; }

    /// <summary>
    /// The share of watched logs the evaluator runs on (<c>sample:</c>, 0 to 1); 1 runs it on every log. A run always
    /// evaluates every datapoint; only <c>evalrunner watch</c> samples.
    /// </summary>
    public double Sample { get; init; } = 1;

    /// <summary>Where the suite declares the evaluator; null for one given in code.</summary>
    public SourceLocation? Location { get; init; }

    /// <summary>
    /// Whether the evaluator compares with a target (the datapoint's <c>expected</c>): an offline evaluator, which
    /// cannot score logs that have none. An evaluator that needs only the log (an online one) says false.
    /// </summary>
    internal virtual bool NeedsExpected => false;

    /// <summary>The templates the evaluator renders per datapoint (a judge's prompt), for the check phase.</summary>
    internal virtual IEnumerable<Templates.PromptTemplate> Templates => [];

    /// <summary>Whether a watched log is in the evaluator's sample: a stable share by the hash of the log id and the evaluator name.</summary>
    internal bool Samples(string logId) => Sample >= 1 || Statistics.Sampling.Sampled(logId + "\u001f" + Name, Sample);

    /// <summary>Builds the live evaluator for one run; the engine calls it once per run and disposes what it built.</summary>
    internal abstract IEvaluator Build(RunServices services);

    /// <summary>
    /// The check phase: what needs a process or the file system at run time (the Python interpreter, <c>main()</c>'s
    /// signature); throws <see cref="SuiteException"/> with file and line.
    /// </summary>
    internal virtual Task CheckAsync(Settings settings, CancellationToken cancellationToken) => Task.CompletedTask;
}


namespace EvalRunner;

/// <summary>
/// The problems found while reading a suite or a dataset: a reader that can go on after a problem adds it here and
/// goes on, so that one pass reports every problem; <see cref="ThrowIfAny"/> then throws one exception holding them all.
/// </summary>
internal sealed class ProblemList
{
    /// <summary>How many problems a message lists before "and N more problems".</summary>
    public const int Cap = 50;

    private readonly List<Problem> _problems = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private EvalRunnerException? _first;

    /// <summary>The problems, at most <see cref="Cap"/>.</summary>
    public IReadOnlyList<Problem> Items => _problems;

    /// <summary>How many problems were found (also those past the cap).</summary>
    public int Count { get; private set; }

    /// <summary>Adds a problem (every problem of an exception that holds several).</summary>
    public void Add(EvalRunnerException exception)
    {
        var problems = exception switch
        {
            SuiteException suite => suite.Problems,
            DatasetException dataset => dataset.Problems,
            _ => [new Problem { Location = new SourceLocation(string.Empty, 0), Message = exception.Message }],
        };
        var extra = exception switch
        {
            SuiteException suite => suite.Total - suite.Problems.Count,
            DatasetException dataset => dataset.Total - dataset.Problems.Count,
            _ => 0,
        };
        foreach (var problem in problems)
        {
            if (!_seen.Add(problem.ToString()))
            {
                continue;
            }

            _first ??= exception;
            Count++;
            if (_problems.Count < Cap)
            {
                _problems.Add(problem);
            }
        }

        Count += extra;
    }

    /// <summary>Adds a problem at <paramref name="location"/>.</summary>
    public void Add(SourceLocation location, string message) => Add(new SuiteException(location, message));

    /// <summary>Runs <paramref name="read"/>; a problem it throws is added and <paramref name="fallback"/> returned.</summary>
    public T Try<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (EvalRunnerException ex) when (ex is SuiteException or DatasetException)
        {
            Add(ex);
            return fallback;
        }
    }

    /// <summary>Runs <paramref name="read"/>; a problem it throws is added. Returns whether it succeeded.</summary>
    public bool Try(Action read) => Try(() => { read(); return true; }, false);

    /// <summary>
    /// Throws when there were problems: the one exception as it was thrown when there was one, else a
    /// <see cref="SuiteException"/> (or a <see cref="DatasetException"/> when <paramref name="dataset"/>) holding all.
    /// </summary>
    public void ThrowIfAny(bool dataset = false)
    {
        if (Count == 0)
        {
            return;
        }

        if (Count == 1 && _first is not null)
        {
            throw _first;
        }

        throw dataset ? new DatasetException(_problems, Count) : new SuiteException(_problems, Count);
    }
}

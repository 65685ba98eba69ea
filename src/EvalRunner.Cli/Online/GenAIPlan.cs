using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>
/// What taking one request (or one sweep of calls whose time is over) would do: the logs to evaluate, the held calls
/// it adds, changes or ends, and what it leaves unevaluated. Nothing changes until <see cref="GenAIJoin.Commit"/>, so a
/// request answered 429 changes nothing and is taken whole when it is sent again.
/// </summary>
internal sealed class GenAIPlan
{
    public List<IncomingLog> Logs { get; } = [];

    /// <summary>The held calls by key after the plan: a call, or null when it ends.</summary>
    public Dictionary<string, GenAICall?> Updates { get; } = new(StringComparer.Ordinal);

    /// <summary>Calls not evaluated, or evaluated without their span, with their client: for the console.</summary>
    public List<(GenAIClient Client, GenAIMissing Missing)> Said { get; } = [];

    /// <summary>Services that sent GenAI log events in this request.</summary>
    public HashSet<string> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>Spans of this request that are not evaluated.</summary>
    public int RejectedSpans { get; set; }

    /// <summary>Log records of this request that are not evaluated.</summary>
    public int RejectedLogRecords { get; set; }

    /// <summary>Log records of this request whose call had ended: not joined.</summary>
    public int LateLogRecords { get; set; }

    /// <summary>The client of the first call of this request that is not evaluated: the answer's advice fits it.</summary>
    public GenAIClient? Rejected { get; set; }

    public bool IsEmpty => Logs.Count == 0 && Updates.Count == 0 && Said.Count == 0;
}

using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Logs;

namespace EvalRunner.Online;

/// <summary>
/// A log that arrived for online evaluation: the datapoint it answers and the log itself. <see cref="Id"/> is its
/// source and position (a file and byte offset, a request and index), never its content, so identical logs stay distinct.
/// </summary>
internal sealed record IncomingLog
{
    public required string Id { get; init; }

    public required Datapoint Datapoint { get; init; }

    public required Log Log { get; init; }

    /// <summary>When the watcher read the log from its file or took it pushed; null until then.</summary>
    public DateTimeOffset? ArrivedAt { get; init; }

    /// <summary>What decides the log's shard (<c>watch --shard</c>): its trace id when it has one, else its id.</summary>
    public string ShardKey => Log.TraceId ?? Id;
}

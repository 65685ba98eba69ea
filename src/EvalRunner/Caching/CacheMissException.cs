using EvalRunner.Logs;

namespace EvalRunner.Caching;

/// <summary>In replay mode, a call that the cache cannot answer: its datapoint needs a live run.</summary>
internal sealed class CacheMissException(string message) : Exception(message), IClassifiedException
{
    /// <inheritdoc />
    public ErrorKind Kind => ErrorKind.CacheMiss;
}

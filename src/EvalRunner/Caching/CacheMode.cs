namespace EvalRunner.Caching;

/// <summary>How the response cache is used.</summary>
internal enum CacheMode
{
    /// <summary>Answers come from the cache when there; new answers are stored.</summary>
    ReadWrite,

    /// <summary>Answers come from the cache when there; nothing is stored.</summary>
    ReadOnly,

    /// <summary>No network call at all: a call not in the cache is an error for its datapoint ("not in cache").</summary>
    Replay,

    /// <summary>No cache.</summary>
    Off,
}

namespace EvalRunner.Logs;

/// <summary>
/// What went wrong for one datapoint, as data: a kind that reports and annotations read, where it came from (a model
/// config or an evaluator), and a message for people. Secrets are removed before it is written.
/// </summary>
public sealed record RunError
{
    /// <summary>What kind of failure it is.</summary>
    public required ErrorKind Kind { get; init; }

    /// <summary>The model config or evaluator it came from; null when neither.</summary>
    public string? Source { get; init; }

    /// <summary>What happened and, where it helps, what to do; never an exception's type name.</summary>
    public required string Message { get; init; }

    /// <summary>Set when the provider's answer is one no retry fixes; the same fault on row after row stops the run.</summary>
    internal ProviderFault? Fault { get; init; }

    /// <summary>The kind of failure an exception means (<paramref name="otherwise"/> when it says no more); its message says the rest.</summary>
    internal static ErrorKind KindOf(Exception exception, ErrorKind otherwise) => exception switch
    {
        IClassifiedException classified => classified.Kind,
        System.ClientModel.ClientResultException { Status: 429 } => ErrorKind.RateLimit,
        TimeoutException or OperationCanceledException => ErrorKind.Timeout,
        IOException or UnauthorizedAccessException => ErrorKind.Io,
        _ => otherwise,
    };

    /// <inheritdoc />
    public override string ToString() => Message;
}

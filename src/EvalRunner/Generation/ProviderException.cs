
using EvalRunner.Logs;

namespace EvalRunner.Generation;

/// <summary>An LLM provider's answer that the run cannot use, said in words, with the kind of error it makes.</summary>
internal sealed class ProviderException(ErrorKind kind, string message, ProviderFault? fault = null) : Exception(message), IClassifiedException
{
    public ErrorKind Kind { get; } = kind;

    /// <summary>Set when no retry fixes it.</summary>
    public ProviderFault? Fault { get; } = fault;
}

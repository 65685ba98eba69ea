using YamlDotNet.Core;

namespace EvalRunner;

/// <summary>YAML that parses but is refused: an explicit type tag, or aliases that expand beyond the node budget.</summary>
internal sealed class UnsafeYamlException(Mark start, Mark end, string reason) : YamlException(start, end, reason)
{
    /// <summary>What is refused, without the position.</summary>
    public string Reason { get; } = reason;
}

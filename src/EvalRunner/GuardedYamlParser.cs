using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EvalRunner;

/// <summary>
/// A YAML parser that refuses, as the events pass and before anything is built from them, what a suite has no use for
/// and what would take the process down: explicit type tags (<c>!!binary</c>, <c>!&lt;!System.Diagnostics.Process&gt;</c>,
/// any <c>!tag</c>), aliases that expand to more than <see cref="NodeBudget"/> nodes (an alias bomb), and lists and
/// mappings nested more than <see cref="MaxDepth"/> levels deep (what is built from the events is built by recursion).
/// </summary>
internal sealed class GuardedYamlParser(IParser inner) : IParser
{
    /// <summary>The most nodes a document may have once every alias is expanded.</summary>
    public const long NodeBudget = 1_000_000;

    /// <summary>The most levels of lists and mappings a document may nest (its top mapping is the first).</summary>
    public const int MaxDepth = 64;

    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private readonly Stack<(string? Anchor, long Size)> _open = new();
    private long _total;

    public ParsingEvent? Current => inner.Current;

    /// <summary>The line of the last event read (1-based); 0 before the first.</summary>
    public int LastLine { get; private set; }

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        var current = inner.Current!;
        LastLine = (int)current.Start.Line;
        Inspect(current);
        return true;
    }

    private void Inspect(ParsingEvent current)
    {
        if (current is NodeEvent { Tag.IsEmpty: false } tagged && !tagged.Tag.IsNonSpecific)
        {
            throw new UnsafeYamlException(current.Start, current.End, $"explicit YAML tags ({tagged.Tag}) are not allowed; write the plain value");
        }

        switch (current)
        {
            case Scalar scalar:
                Remember(scalar.Anchor, 1);
                Count(1, current);
                break;
            case SequenceStart or MappingStart when _open.Count >= MaxDepth:
                throw new UnsafeYamlException(current.Start, current.End, $"nested more than {MaxDepth} levels deep; a suite file nests at most {MaxDepth} levels");
            case SequenceStart or MappingStart:
                _open.Push((((NodeEvent)current).Anchor.IsEmpty ? null : ((NodeEvent)current).Anchor.Value, 1));
                Count(1, current, container: true);
                break;
            case SequenceEnd or MappingEnd when _open.Count > 0:
                var (anchor, size) = _open.Pop();
                if (anchor is not null)
                {
                    _anchorSizes[anchor] = size;
                }

                AddToParent(size);
                break;
            case AnchorAlias alias:
                Count(_anchorSizes.GetValueOrDefault(alias.Value.Value, 1), current);
                break;
        }
    }

    private void Remember(AnchorName anchor, long size)
    {
        if (!anchor.IsEmpty)
        {
            _anchorSizes[anchor.Value] = size;
        }
    }

    private void Count(long size, ParsingEvent at, bool container = false)
    {
        _total = Math.Min(_total + size, NodeBudget + 1);
        if (_total > NodeBudget)
        {
            throw new UnsafeYamlException(at.Start, at.End, $"YAML aliases here expand the file to more than {NodeBudget:N0} nodes; write the values out instead of nesting aliases");
        }

        if (!container)
        {
            AddToParent(size);
        }
    }

    private void AddToParent(long size)
    {
        if (_open.Count > 0)
        {
            var (anchor, parent) = _open.Pop();
            _open.Push((anchor, Math.Min(parent + size, NodeBudget + 1)));
        }
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EvalRunner;

/// <summary>YAML values as JSON values: plain scalars keep their YAML 1.2 core types (null, bool, integer, float).</summary>
internal static class YamlJson
{
    /// <summary>Reads the node that starts at the parser's current event and moves past it.</summary>
    /// <param name="parser">The parser, at the node's first event.</param>
    /// <param name="file">The file, as errors name it.</param>
    /// <param name="maxDepth">The most levels the node may nest (the node itself is the first).</param>
    /// <exception cref="DatasetException">The node nests deeper than <paramref name="maxDepth"/>.</exception>
    public static JsonNode? ReadNode(IParser parser, string file, int maxDepth)
    {
        if (parser.Current is SequenceStart or MappingStart && maxDepth < 1)
        {
            throw new DatasetException(new SourceLocation(file, (int)parser.Current.Start.Line, (int)parser.Current.Start.Column), Nesting.DatapointTooDeep);
        }

        if (parser.Current is NodeEvent { Tag.IsEmpty: false } tagged && !tagged.Tag.IsNonSpecific)
        {
            throw new YamlException(tagged.Start, tagged.End, $"explicit YAML tags ({tagged.Tag}) are not allowed in datasets; write the plain value");
        }

        switch (parser.Current)
        {
            case Scalar scalar:
                parser.MoveNext();
                return FromScalar(scalar.Value, scalar.Style);
            case SequenceStart:
                {
                    parser.MoveNext();
                    var array = new JsonArray();
                    while (parser.Current is not SequenceEnd)
                    {
                        array.Add(ReadNode(parser, file, maxDepth - 1));
                    }

                    parser.MoveNext();
                    return array;
                }

            case MappingStart:
                {
                    parser.MoveNext();
                    var obj = new JsonObject();
                    while (parser.Current is not MappingEnd)
                    {
                        var keyEvent = parser.Current as Scalar
                            ?? throw new YamlException(parser.Current!.Start, parser.Current.End, "keys must be plain strings");
                        parser.MoveNext();
                        if (obj.ContainsKey(keyEvent.Value))
                        {
                            throw new YamlException(keyEvent.Start, keyEvent.End, $"duplicate key '{keyEvent.Value}'");
                        }

                        obj[keyEvent.Value] = ReadNode(parser, file, maxDepth - 1);
                    }

                    parser.MoveNext();
                    return obj;
                }

            case AnchorAlias alias:
                throw new YamlException(alias.Start, alias.End, "YAML aliases (*name) are not supported in datasets");
            default:
                throw new YamlException(parser.Current!.Start, parser.Current.End, $"unexpected {parser.Current.GetType().Name}");
        }
    }

    /// <summary>A loaded YAML node as JSON.</summary>
    /// <exception cref="SuiteException">A key is not a plain string.</exception>
    public static JsonNode? FromNode(YamlNode node, SourceLocation at) => FromNode(node, at, int.MaxValue, string.Empty);

    /// <summary>A loaded YAML node as JSON, nesting at most <paramref name="maxDepth"/> levels (the node itself is the first).</summary>
    /// <exception cref="SuiteException">A key is not a plain string, or the node nests deeper; <paramref name="tooDeep"/> says so.</exception>
    public static JsonNode? FromNode(YamlNode node, SourceLocation at, int maxDepth, string tooDeep) => node switch
    {
        YamlScalarNode scalar => FromScalar(scalar.Value ?? string.Empty, scalar.Style),
        YamlSequenceNode or YamlMappingNode when maxDepth < 1 =>
            throw new SuiteException(at with { Line = (int)node.Start.Line, Column = (int)node.Start.Column }, tooDeep),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(child => FromNode(child, at, maxDepth - 1, tooDeep))]),
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair => KeyValuePair.Create(
            pair.Key is YamlScalarNode { Value: { } key }
                ? key
                : throw new SuiteException(at with { Line = (int)pair.Key.Start.Line, Column = (int)pair.Key.Start.Column }, "keys must be plain strings"),
            FromNode(pair.Value, at, maxDepth - 1, tooDeep)))),
        _ => null,
    };

    private static JsonValue? FromScalar(string value, ScalarStyle style)
    {
        if (style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && char.IsAsciiDigit(value[^1]))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(value);
    }
}

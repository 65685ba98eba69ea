using System.Text.RegularExpressions;
using EvalRunner.Yaml;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Evaluators;

/// <summary>Reads the typed columns an evaluator declares (<c>output_schema:</c>, <c>columns:</c>).</summary>
internal static partial class ColumnReader
{
    private static readonly string[] ColumnKeys = ["name", "type", "description", "options", "min", "max"];
    private static readonly string[] ColumnTypes = ["bool", "integer", "float", "string", "choices"];

    /// <summary>
    /// Typed columns: a mapping (<c>score: integer</c>) or a list of <c>{name, type, description, options, min, max}</c>,
    /// with types bool, integer, float, string and choices; null when the key is absent.
    /// </summary>
    public static List<Column>? ReadColumns(YamlMap spec, string key, bool allowRange)
    {
        var columns = new List<Column>();
        switch (spec.Node(key))
        {
            case null:
                return null;
            case YamlMappingNode:
                var map = spec.Map(key)!;
                foreach (var name in map.Keys)
                {
                    columns.Add(new Column { Name = name, Type = ReadColumnType(map, name, map.String(name) ?? string.Empty, hasOptions: false) });
                }

                break;
            case YamlSequenceNode:
                foreach (var item in spec.Maps(key))
                {
                    item.AllowOnly(allowRange ? ColumnKeys : ["name", "type", "description", "options"]);
                    var name = item.RequireString("name", "the column name");
                    var type = ReadColumnType(item, "type", item.RequireString("type", string.Join(", ", ColumnTypes)), item.Has("options"));
                    var options = item.StringList("options") ?? [];
                    if (type == ColumnType.Choice && options.Count == 0)
                    {
                        throw new SuiteException(item.Here with { Field = item.Join("options") }, "a choices column needs 'options': the allowed values");
                    }

                    var column = new Column
                    {
                        Name = name,
                        Type = type,
                        Description = item.String("description"),
                        Choices = options,
                        Minimum = item.Double("min"),
                        Maximum = item.Double("max"),
                    };
                    if ((column.Minimum is not null || column.Maximum is not null) && type is not (ColumnType.Integer or ColumnType.Float))
                    {
                        throw item.Error(item.Has("min") ? "min" : "max", "min and max apply to integer and float columns only");
                    }

                    columns.Add(column);
                }

                break;
            default:
                throw spec.Error(key, "must be a mapping (name: type) or a list of {name, type, description}");
        }

        if (columns.Count == 0)
        {
            throw spec.Error(key, "needs at least one column");
        }

        foreach (var column in columns)
        {
            if (!ColumnName().IsMatch(column.Name))
            {
                throw spec.Error(key, $"'{column.Name}' is not a valid column name; use letters, digits and '_'");
            }

            if (columns.Count(c => c.Name == column.Name) > 1)
            {
                throw spec.Error(key, $"column '{column.Name}' is declared twice");
            }
        }

        return columns;
    }

    private static ColumnType ReadColumnType(YamlMap map, string key, string type, bool hasOptions) => type switch
    {
        "bool" or "boolean" => ColumnType.Bool,
        "integer" or "int" => ColumnType.Integer,
        "float" or "number" => ColumnType.Float,
        "string" or "str" => ColumnType.String,
        "choices" or "choice" or "enum" => ColumnType.Choice,
        _ => throw map.Error(key, $"unknown column type '{type}'{Suggest.DidYouMean(type, ColumnTypes)}; use {string.Join(", ", ColumnTypes)}"),
    } is var parsed && hasOptions && parsed != ColumnType.Choice
        ? throw map.Error(key, "'options' apply to choices columns only")
        : parsed;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ColumnName();
}

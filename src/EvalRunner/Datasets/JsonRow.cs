using System.Text.Json;

namespace EvalRunner.Datasets;

/// <summary>One line of a JSONL file: its JSON value and where it is. The value lives until the next row is read.</summary>
internal readonly record struct JsonRow(JsonElement Value, SourceLocation Location);

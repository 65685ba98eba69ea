using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators;

/// <summary>
/// The tools the model config offered the model, as additional context for an evaluator from
/// Microsoft.Extensions.AI.Evaluation run through <see cref="ExtensionsAIEvaluator"/>: find it among the
/// <c>additionalContext</c> with <c>OfType&lt;ToolDefinitionsContext&gt;()</c>. Its <see cref="Microsoft.Extensions.AI.Evaluation.EvaluationContext.Contents"/>
/// are one text listing each tool's name, description and parameters' JSON Schema.
/// </summary>
public sealed class ToolDefinitionsContext : Microsoft.Extensions.AI.Evaluation.EvaluationContext
{
    /// <summary>The context's <see cref="Microsoft.Extensions.AI.Evaluation.EvaluationContext.Name"/>.</summary>
    public const string ToolDefinitionsContextName = "Tool Definitions (EvalRunner)";

    /// <summary>The context of <paramref name="toolDefinitions"/>.</summary>
    /// <param name="toolDefinitions">The tools offered; usually <see cref="AIFunctionDeclaration"/>s.</param>
    public ToolDefinitionsContext(IEnumerable<AITool> toolDefinitions)
        : this([.. toolDefinitions ?? throw new ArgumentNullException(nameof(toolDefinitions))])
    {
    }

    private ToolDefinitionsContext(List<AITool> tools)
        : base(ToolDefinitionsContextName, new TextContent(Text(tools)))
    {
        ToolDefinitions = tools;
    }

    /// <summary>The tools offered to the model; empty when it was offered none.</summary>
    public IReadOnlyList<AITool> ToolDefinitions { get; }

    /// <summary>
    /// The tools as text: per tool its name and description, then its parameters' JSON Schema on an indented line;
    /// empty when there are none.
    /// </summary>
    internal static string Text(IEnumerable<AITool> tools) => string.Join('\n', tools.Select(tool =>
    {
        var line = string.IsNullOrEmpty(tool.Description) ? tool.Name : $"{tool.Name}: {tool.Description}";
        return tool is AIFunctionDeclaration function ? $"{line}\n  parameters: {TrajectoryLines.Compact(function.JsonSchema)}" : line;
    }));
}

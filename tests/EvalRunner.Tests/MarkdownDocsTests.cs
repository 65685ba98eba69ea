using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace EvalRunner.Tests;

/// <summary>Every Markdown file a user reads renders as written: no table cut in two, no table row left as text.</summary>
public sealed class MarkdownDocsTests
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    public static TheoryData<string> Documents() => [.. Directory.GetFiles(Repository.Root, "README.md")
        .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md"))
        .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "examples"), "README.md", SearchOption.AllDirectories))
        .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "src"), "README.md", SearchOption.AllDirectories))
        .Select(path => Path.GetRelativePath(Repository.Root, Path.Combine(Repository.Root, path)))
        .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_table_row_renders_in_a_table(string document)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, document));
        var parsed = Markdown.Parse(text, Pipeline);
        var lines = text.Split('\n');

        // A line that starts a table row outside code and outside every rendered table is a table cut by a blank line.
        var inTables = parsed.Descendants<Table>().SelectMany(t => Enumerable.Range(t.Line, t.OfType<TableRow>().Count() + 1)).ToHashSet();
        var inCode = parsed.Descendants<CodeBlock>().SelectMany(c => Enumerable.Range(c.Line, c.Lines.Count + 2)).ToHashSet();
        var stray = lines.Select((line, index) => (Line: index, Text: line))
            .Where(l => l.Text.TrimStart().StartsWith("| ", StringComparison.Ordinal) && l.Text.TrimEnd().EndsWith('|'))
            .Where(l => !inTables.Contains(l.Line) && !inCode.Contains(l.Line))
            .Select(l => $"{document}:{l.Line + 1}: {l.Text.Trim()}")
            .ToList();

        Assert.True(stray.Count == 0, "table rows rendered as text:\n" + string.Join('\n', stray));
    }
}

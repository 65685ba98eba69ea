using System.Text.RegularExpressions;

namespace EvalRunner.Tests;

/// <summary>The engine's namespaces import each other without cycles, so each can be read and changed on its own.</summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Engine = Path.Combine(Repository.Root, "src", "EvalRunner");

    [Fact]
    public void Every_engine_file_declares_the_namespace_of_its_folder()
    {
        var wrong = SourceFiles()
            .Select(file => (File: file, Declared: Declared(file), Expected: string.Join('.', ["EvalRunner", .. Path.GetRelativePath(Engine, file).Split(Path.DirectorySeparatorChar)[..^1]])))
            .Where(entry => entry.Declared != entry.Expected)
            .Select(entry => $"{Path.GetRelativePath(Engine, entry.File)} declares {entry.Declared ?? "no namespace"}, its folder is {entry.Expected}")
            .ToList();

        Assert.True(SourceFiles().Count > 100, $"found only {SourceFiles().Count} engine files under {Engine}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void The_engine_has_no_global_usings()
    {
        var global = SourceFiles().Where(file => File.ReadLines(file).Any(line => line.TrimStart().StartsWith("global using", StringComparison.Ordinal))).ToList();

        Assert.Empty(global);
    }

    [Fact]
    public void The_engine_namespaces_import_each_other_without_cycles()
    {
        var imports = Imports();
        Assert.Contains("EvalRunner.Runs", imports.Keys);
        Assert.Contains("EvalRunner.Generation", imports["EvalRunner.Runs"]);

        var cycles = Cycles(imports);

        Assert.True(cycles.Count == 0, "namespaces that import each other in a cycle:\n" + string.Join("\n", cycles.Select(cycle => string.Join(", ", cycle))));
    }

    [Fact]
    public void The_cycle_finder_finds_a_cycle()
    {
        var imports = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };

        var cycle = Assert.Single(Cycles(imports));

        Assert.Equal(["A", "B", "C"], cycle.Order());
    }

    /// <summary>
    /// Each namespace's imports of other engine namespaces: <c>using EvalRunner.X;</c>, qualified <c>EvalRunner.X.</c>
    /// names, and <c>X.Type</c> where <c>Type</c> is declared in <c>X</c>; the root namespace is visible everywhere and
    /// counts as imported by all.
    /// </summary>
    private static Dictionary<string, HashSet<string>> Imports()
    {
        var declared = SourceFiles()
            .SelectMany(file => TypeDeclaration().Matches(File.ReadAllText(file)).Select(match => (Namespace: FolderNamespace(file), Type: match.Groups["type"].Value)))
            .ToLookup(entry => entry.Namespace, entry => entry.Type);
        var imports = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in SourceFiles())
        {
            var from = FolderNamespace(file);
            var set = imports.TryGetValue(from, out var existing) ? existing : imports[from] = [];
            var text = File.ReadAllText(file);
            foreach (Match match in UsingOrQualified().Matches(text))
            {
                var target = "EvalRunner." + match.Groups["ns"].Value;
                if (target != from && Directory.Exists(Path.Combine(Engine, match.Groups["ns"].Value)))
                {
                    set.Add(target);
                }
            }

            foreach (Match match in PartlyQualified().Matches(text))
            {
                var target = "EvalRunner." + match.Groups["ns"].Value;
                if (target != from && declared[target].Contains(match.Groups["type"].Value))
                {
                    set.Add(target);
                }
            }

            if (from != "EvalRunner")
            {
                set.Add("EvalRunner");
            }
        }

        return imports;
    }

    /// <summary>The strongly connected components of more than one namespace (Tarjan), each sorted.</summary>
    private static List<List<string>> Cycles(Dictionary<string, HashSet<string>> imports)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in imports.GetValueOrDefault(node) ?? [])
            {
                if (!index.TryGetValue(next, out var nextIndex))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    cycles.Add([.. component.Order(StringComparer.Ordinal)]);
                }
            }
        }

        foreach (var node in imports.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return cycles;
    }

    private static List<string> SourceFiles() =>
        [.. Directory.EnumerateFiles(Engine, "*.cs", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(Engine, file).Split(Path.DirectorySeparatorChar)[0].Equals("bin", StringComparison.Ordinal)
                && !Path.GetRelativePath(Engine, file).Split(Path.DirectorySeparatorChar)[0].Equals("obj", StringComparison.Ordinal))];

    /// <summary>The namespace (sub-namespaces counted with their parent) a file's top-level folder stands for: <c>EvalRunner.Runs</c> for <c>Runs/…</c>, <c>EvalRunner</c> at the root.</summary>
    private static string FolderNamespace(string file)
    {
        var parts = Path.GetRelativePath(Engine, file).Split(Path.DirectorySeparatorChar);
        return parts.Length == 1 ? "EvalRunner" : "EvalRunner." + parts[0];
    }

    private static string? Declared(string file) =>
        File.ReadLines(file).Select(line => FileScopedNamespace().Match(line)).FirstOrDefault(match => match.Success)?.Groups["ns"].Value;

    [GeneratedRegex(@"(?:^using\s+(?:[A-Za-z]+\s*=\s*)?EvalRunner\.(?<ns>[A-Za-z]+)[.;]|(?<![A-Za-z.])EvalRunner\.(?<ns>[A-Za-z]+)\.)", RegexOptions.Multiline)]
    private static partial Regex UsingOrQualified();

    [GeneratedRegex(@"(?<![\w.])(?<ns>[A-Z][A-Za-z]+)\.(?<type>[A-Z]\w*)")]
    private static partial Regex PartlyQualified();

    [GeneratedRegex(@"\b(?:class|record|struct|enum|interface)\s+(?<type>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^namespace\s+(?<ns>EvalRunner(?:\.[A-Za-z]+)*)\s*;")]
    private static partial Regex FileScopedNamespace();
}

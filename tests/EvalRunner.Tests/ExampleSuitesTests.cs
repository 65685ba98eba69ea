using System.Text.RegularExpressions;

namespace EvalRunner.Tests;

/// <summary>The shipped examples: what a newcomer runs first, and what the tests run, must not depend on the machine's speed.</summary>
public sealed partial class ExampleSuitesTests
{
    public static TheoryData<string> ExampleSuites() => [.. Directory.GetFiles(Path.Combine(Repository.Root, "examples"), "*.eval.yaml", SearchOption.AllDirectories)
        .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .Select(path => Path.GetRelativePath(Repository.Root, path))
        .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(ExampleSuites))]
    public void No_example_suite_gates_on_wall_time(string suite)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, suite));
        var thresholds = Thresholds().Match(text);

        Assert.True(thresholds.Success, $"{suite} has no thresholds section");
        // The rules as written, block or flow style, without comments.
        var rules = string.Join('\n', thresholds.Groups["rules"].Value.Split('\n').Select(line => line.Split('#')[0]));
        Assert.Contains("(", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("latency.ms", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void The_xunit_example_suite_fed_by_the_tests_own_code_needs_no_model_config()
    {
        // The test method supplies every response (EvaluateAsync): a model config there would be a dummy.
        var text = File.ReadAllText(Path.Combine(Repository.Root, "examples", "xunit", "SupportBot.Evals", "evals", "support.eval.yaml"));

        Assert.DoesNotMatch(@"(?m)^models:", text);
    }

    [GeneratedRegex(@"^thresholds:(?<rules>.*\n(?:[ \t]+.*\n|\s*\n)*)", RegexOptions.Multiline)]
    private static partial Regex Thresholds();
}

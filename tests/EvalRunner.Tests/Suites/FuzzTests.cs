using System.Text;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Suites;

/// <summary>
/// Mutated copies of the example suites and datasets (truncations, tabs, brackets, quotes, random bytes, deleted
/// lines), seeded so that a failure repeats: each loads, checks and reads, or fails with an
/// <see cref="EvalRunnerException"/> naming the mutated file — never another exception.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] Files =
    [
        "quickstart/support.eval.yaml",
        "quickstart/support.jsonl",
        "external-scores/review.eval.yaml",
        "external-scores/reviews.csv",
        "llm-judge/judge.eval.yaml",
    ];

    private static readonly string[] Suites = ["quickstart/support.eval.yaml", "external-scores/review.eval.yaml", "llm-judge/judge.eval.yaml"];

    private static TempDirectory CopyExamples()
    {
        var dir = new TempDirectory();

        // The copies are one repository, as the examples are: a suite may read a dataset of another example.
        Directory.CreateDirectory(Path.Combine(dir.Path, ".git"));
        foreach (var folder in new[] { "quickstart", "external-scores", "llm-judge", "support-bot" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "examples", folder)))
            {
                var target = Path.Combine(dir.Path, folder, Path.GetFileName(file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        return dir;
    }

    /// <summary>One mutation of <paramref name="bytes"/>, and what it was.</summary>
    private static (byte[] Bytes, string What) Mutate(byte[] bytes, Random random)
    {
        var list = bytes.ToList();
        var at = random.Next(list.Count + 1);
        switch (random.Next(8))
        {
            case 0:
                return (bytes[..at], $"truncated at {at}");
            case 1:
                list.Insert(at, (byte)'\t');
                return ([.. list], $"tab at {at}");
            case 2:
                var text = Encoding.UTF8.GetString(bytes).Split('\n').ToList();
                var line = random.Next(text.Count);
                text[line] = "\t" + text[line].TrimStart(' ');
                return (Encoding.UTF8.GetBytes(string.Join('\n', text)), $"line {line + 1} indented with a tab");
            case 3:
                var bracket = "[]{}\"'&*!|>%@`"[random.Next(14)];
                list.Insert(at, (byte)bracket);
                return ([.. list], $"'{bracket}' at {at}");
            case 4:
                var junk = new byte[random.Next(1, 5)];
                random.NextBytes(junk);
                list.InsertRange(at, junk);
                return ([.. list], $"bytes {Convert.ToHexString(junk)} at {at}");
            case 5:
                var lines = Encoding.UTF8.GetString(bytes).Split('\n').ToList();
                var deleted = random.Next(lines.Count);
                lines.RemoveAt(deleted);
                return (Encoding.UTF8.GetBytes(string.Join('\n', lines)), $"line {deleted + 1} deleted");
            case 6:
                list.InsertRange(at, "\\ud800"u8.ToArray());
                return ([.. list], $"lone surrogate escape at {at}");
            default:
                list.InsertRange(at, "\n  - &x [*x]\n"u8.ToArray());
                return ([.. list], $"self alias at {at}");
        }
    }

    private static async Task ValidateAsync(string suitePath, Settings settings, CancellationToken cancellationToken)
    {
        var suite = SuiteLoader.Load(suitePath, settings);
        await SuiteLoader.CheckAsync(suite, settings, cancellationToken);
        await RunEngine.CountDatapointsAsync(suite, null, cancellationToken);
    }

    [Fact(Timeout = 120000)]
    public async Task Three_hundred_mutations_of_the_examples_load_or_fail_with_an_error_naming_the_file()
    {
        using var dir = CopyExamples();
        var settings = TestSettings.With(("OPENAI_API_KEY", "sk-test"));
        var random = new Random(20261127);
        var valid = 0;
        for (var i = 0; i < 300; i++)
        {
            var file = Files[i % Files.Length];
            var full = Path.Combine(dir.Path, file);
            var original = File.ReadAllBytes(full);
            var (mutated, what) = Mutate(original, random);
            File.WriteAllBytes(full, mutated);
            try
            {
                foreach (var suite in Suites.Where(s => file.StartsWith(s.Split('/')[0], StringComparison.Ordinal) || file.EndsWith(".jsonl", StringComparison.Ordinal)))
                {
                    try
                    {
                        await ValidateAsync(Path.Combine(dir.Path, suite), settings, TestContext.Current.CancellationToken);
                        valid++;
                    }
                    catch (EvalRunnerException ex)
                    {
                        Assert.True(
                            ex.Message.Contains(Path.GetFileName(file), StringComparison.Ordinal),
                            $"mutation {i} of {file} ({what}): the error does not name the file: {ex.Message}");
                    }
                    catch (Exception ex) when (ex is not global::Xunit.Sdk.IAssertionException)
                    {
                        Assert.Fail($"mutation {i} of {file} ({what}) threw {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
                    }
                }
            }
            finally
            {
                File.WriteAllBytes(full, original);
            }
        }

        // Some mutations are harmless (a tab inside a string, a deleted comment): the fuzz reaches the valid path too.
        Assert.InRange(valid, 1, 299);
    }

    [Fact(Timeout = 240000)]
    public async Task Mutations_through_the_CLI_exit_0_or_2_without_a_stack_trace_and_name_the_file()
    {
        using var dir = CopyExamples();
        var random = new Random(7);
        for (var i = 0; i < 4; i++)
        {
            var file = new[] { "quickstart/support.eval.yaml", "quickstart/support.jsonl", "external-scores/reviews.csv", "external-scores/review.eval.yaml" }[i];
            var full = Path.Combine(dir.Path, file);
            var original = File.ReadAllBytes(full);
            var (mutated, what) = Mutate(original, random);
            File.WriteAllBytes(full, mutated);
            var suite = file.StartsWith("quickstart", StringComparison.Ordinal) ? "quickstart/support.eval.yaml" : "external-scores/review.eval.yaml";

            var result = await Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", suite], TestContext.Current.CancellationToken);
            File.WriteAllBytes(full, original);

            var output = result.StandardOutput + result.StandardError;
            Assert.True(result.ExitCode is 0 or 2, $"{file} ({what}): exit {result.ExitCode}\n{output}");
            Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            if (result.ExitCode == 2)
            {
                Assert.Contains(Path.GetFileName(file), result.StandardError, StringComparison.Ordinal);
            }
        }
    }
}

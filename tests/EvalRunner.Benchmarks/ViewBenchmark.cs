using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using EvalRunner.Evaluators;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// The results viewer's engine over a large <c>results.jsonl</c>: N rows written as a run writes them, then the time to
/// the first page with an empty index cache (index built and written) and with the cache, and the time to filter every
/// row by outcome and by text. Each time is the median of five.
/// </summary>
internal static class ViewBenchmark
{
    private const int Repeats = 5;
    private const int PageSize = 50;
    private const string RareText = "warranty claim";
    private const string AbsentText = "zebra crossing";

    private static readonly string[] Words =
    [
        "the", "order", "refund", "shipping", "customer", "account", "please", "delivery", "package", "policy", "return",
        "support", "payment", "invoice", "address", "tracking", "number", "days", "within", "thank", "you", "for", "your",
        "patience", "we", "will", "check", "and", "get", "back", "to", "soon", "café", "résumé", "item", "store", "help",
    ];

    public static int Run(BenchmarkOptions options)
    {
        using var work = new TempDirectory();
        var results = Path.Combine(work.Path, "run", ResultsStore.RowsFile);
        Directory.CreateDirectory(Path.GetDirectoryName(results)!);
        var (fails, errors, rare) = Write(results, options.N);
        var size = new FileInfo(results).Length;
        Console.WriteLine($"results.jsonl: {options.N:N0} rows ({fails:N0} fail, {errors:N0} error; \"{RareText}\" in {rare:N0}), {size / 1e6:F1} MB");

        var cold = Median(i =>
        {
            var index = ResultsIndex.Open(results, Path.Combine(work.Path, $"cache{i}"));
            Check(index.ReadPage(RowFilter.All, 0, PageSize).Rows.Count == PageSize);
        });
        var cacheFile = Directory.GetFiles(Path.Combine(work.Path, "cache0")).Single();
        Console.WriteLine($"first page, empty cache (index built and written, then {PageSize} rows read): {cold}");
        Console.WriteLine($"index cache file: {new FileInfo(cacheFile).Length / 1e6:F1} MB");
        var warm = Median(_ => Check(ResultsIndex.Open(results, Path.Combine(work.Path, "cache0")).ReadPage(RowFilter.All, 0, PageSize).Rows.Count == PageSize));
        Console.WriteLine($"first page, from the cache (index read, then {PageSize} rows read): {warm}");

        var opened = ResultsIndex.Open(results, Path.Combine(work.Path, "cache0"));
        Measure(opened, "outcome fail", new RowFilter { Outcome = RowFilter.Fail });
        Measure(opened, $"text \"{RareText}\" (~1% of rows)", new RowFilter { Text = RareText });
        Measure(opened, $"text \"{AbsentText}\" (no row)", new RowFilter { Text = AbsentText });
        Measure(opened, "text \"REFUND\" (most rows)", new RowFilter { Text = "REFUND" });
        Measure(opened, "text \"\\\"\" (a quote: the writer escapes it, every row parsed)", new RowFilter { Text = "\"" });
        return 0;
    }

    private static void Measure(ResultsIndex index, string name, RowFilter filter)
    {
        var matched = 0;
        var time = Median(_ =>
        {
            var page = index.ReadPage(filter, 0, PageSize);
            matched = page.Matched;
            Check(page.Rows.Count == Math.Min(PageSize, matched));
        });
        Console.WriteLine($"filter {name}: {matched:N0} matched, first page {time}");
    }

    private static void Check(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("a page does not hold the rows it should");
        }
    }

    private static string Median(Action<int> run)
    {
        var times = new List<double>();
        for (var i = 0; i < Repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            run(i);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"median {times[Repeats / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1})");
    }

    // Rows as a run writes them: input ~300 characters, response ~600, three evaluator columns; one in ten fails a
    // rule, one in a hundred is an error, and one in a hundred (others) holds the rare text.
    private static (int Fails, int Errors, int Rare) Write(string path, int n)
    {
        var random = new Random(42);
        var (fails, errors, rare) = (0, 0, 0);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        for (var i = 0; i < n; i++)
        {
            var input = Text(random, 300);
            if (i % 100 == 37)
            {
                input = input[..150] + " " + RareText + " " + input[150..];
                rare++;
            }

            var outcome = i % 100 == 99 ? Outcome.Error : random.Next(10) == 0 ? Outcome.Fail : Outcome.Pass;
            var words = random.Next(60, 140);
            var score = Math.Round(random.NextDouble() * 5, 2);
            var row = new Row
            {
                DatapointId = $"case-{i:D6}",
                ModelConfig = i % 2 == 0 ? "gpt-4o-mini" : "claude-haiku",
                Outcome = outcome,
                Input = input,
                Expected = "A refund within 30 days.",
                Tags = ["support", i % 3 == 0 ? "billing" : "shipping"],
                Log = new Log
                {
                    ModelConfig = i % 2 == 0 ? "gpt-4o-mini" : "claude-haiku",
                    Model = "model-2026-01-01",
                    Response = outcome == Outcome.Error ? null : Text(random, 600),
                    LatencyMs = 200 + random.NextDouble() * 800,
                    InputTokens = 120,
                    OutputTokens = words * 4 / 3,
                    CostUsd = 0.00042,
                    Error = outcome == Outcome.Error ? new RunError { Kind = ErrorKind.Generation, Message = "The model server answered 500 three times." } : null,
                },
                Evaluations = outcome == Outcome.Error ? [] :
                [
                    new Evaluation { Evaluator = "judge", Values = new Dictionary<string, object?> { ["score"] = score } },
                    new Evaluation { Evaluator = "contains", Values = new Dictionary<string, object?> { ["passed"] = outcome == Outcome.Pass } },
                    new Evaluation { Evaluator = "length", Values = new Dictionary<string, object?> { ["words"] = (long)words } },
                ],
                FailedRules = outcome == Outcome.Fail ? ["contains.passed == true (was false)"] : [],
                Error = outcome == Outcome.Error ? new RunError { Kind = ErrorKind.Generation, Message = "The model server answered 500 three times." } : null,
            };
            fails += outcome == Outcome.Fail ? 1 : 0;
            errors += outcome == Outcome.Error ? 1 : 0;
            ResultsStore.WriteLine(buffer, row, settings: null, repeated: false);
            if (buffer.WrittenCount > 1 << 19)
            {
                file.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        file.Write(buffer.WrittenSpan);
        return (fails, errors, rare);
    }

    private static string Text(Random random, int length)
    {
        var text = new System.Text.StringBuilder(length + 16);
        while (text.Length < length)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(random.Next(12) == 0 ? ".\n" : " ");
        }

        return text.ToString();
    }
}

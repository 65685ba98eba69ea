using System.Diagnostics;
using System.Globalization;
using EvalRunner.Evaluators.Python;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// The Python evaluator's throughput: <c>main()</c> of the reference document's kind (a few string checks) called
/// through one worker process, then through a pool, with the run's concurrency of calls waiting.
/// </summary>
internal static class PythonBenchmark
{
    private const string Evaluator = """
        def main(input, output, context, full_history, generated_response, **kwargs):
            text = generated_response or ""
            return {
                "correct_answer": output["content"].strip().lower() in text.lower(),
                "response_length": len(text.split()),
                "politeness_score": 1.0 if "please" in text.lower() or "happy" in text.lower() else 0.0,
                "topic": (context or {}).get("topic", "unknown"),
            }
        """;

    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        using var work = new TempDirectory();
        work.File("quality.py", Evaluator);
        var source = new PythonSource { File = Path.Combine(work.Path, "quality.py"), ShownName = "quality.py" };
        var single = await MeasureAsync(source, work.Path, workers: 1, options);
        var pooled = await MeasureAsync(source, work.Path, options.Workers, options);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"python evaluator, {options.N} calls, {options.Concurrency} waiting at once:"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  1 worker:  {single:0} evaluations/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {options.Workers} workers: {pooled:0} evaluations/s ({pooled / options.Workers:0} per worker)"));
        return 0;
    }

    private static async Task<double> MeasureAsync(PythonSource source, string directory, int workers, BenchmarkOptions options)
    {
        await using var pool = new PythonPool("python3", source, directory, TimeSpan.FromSeconds(30), workers);

        // Warm-up: the processes start and the code paths are compiled before the clock runs.
        await CallManyAsync(pool, Math.Min(2_000, options.N), options.Concurrency);
        var clock = Stopwatch.StartNew();
        await CallManyAsync(pool, options.N, options.Concurrency);
        return options.N / clock.Elapsed.TotalSeconds;
    }

    private static async Task CallManyAsync(PythonPool pool, int n, int concurrency)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < n)
            {
                var args = new Dictionary<string, object?>
                {
                    ["input"] = new Dictionary<string, string> { ["content"] = "What is 2+2?", ["role"] = "human" },
                    ["output"] = new Dictionary<string, string> { ["content"] = "4", ["role"] = "ai" },
                    ["context"] = new Dictionary<string, string> { ["topic"] = "math" },
                    ["full_history"] = null,
                    ["generated_response"] = "The answer is 4. Happy to help!",
                    ["id"] = "d" + next.ToString(CultureInfo.InvariantCulture),
                    ["messages"] = Array.Empty<object>(),
                    ["expected"] = "4",
                    ["tags"] = Array.Empty<string>(),
                    ["model_config"] = "bot",
                };
                await pool.CallAsync(args, CancellationToken.None);
            }
        }));
    }
}

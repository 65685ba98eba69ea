using System.Diagnostics;
using EvalRunner.Xunit;
using Xunit;
using Xunit.Sdk;

namespace EvalRunner.Benchmarks;

/// <summary>
/// The dotnet test path: the [EvalSuite] attribute's test cases, each awaited after the previous one as the test
/// runner runs the rows of a theory. The suite's generations must still run at its own concurrency.
/// </summary>
internal static class XunitBenchmark
{
    public static async Task<int> RunAsync(BenchmarkOptions options, string suitePath)
    {
        var attribute = new EvalSuiteAttribute(suitePath);
        var rows = await attribute.GetData(typeof(XunitBenchmark).GetMethod(nameof(RunAsync))!, new DisposalTracker());
        var cases = rows.Select(row => (EvalCase)row.GetData()[0]!).ToList();
        var clock = Stopwatch.StartNew();
        var failures = 0;
        foreach (var @case in cases)
        {
            try
            {
                await @case.AssertPassesAsync();
            }
            catch (EvalFailedException)
            {
                failures++;
            }
        }

        var wall = clock.Elapsed;
        var ideal = TimeSpan.FromMilliseconds((double)options.N * options.LatencyMs / options.Concurrency);
        var serial = TimeSpan.FromMilliseconds((double)options.N * options.LatencyMs);
        Console.WriteLine($"""
            EvalRunner dotnet test path: {cases.Count - 1} datapoint cases + 1 aggregate case, awaited one after another
              datapoints            {options.N}
              suite concurrency     {options.Concurrency}
              server latency        {options.LatencyMs} ms
              wall time             {wall.TotalSeconds:0.00} s
              ideal time            {ideal.TotalSeconds:0.00} s   (N × latency ÷ concurrency)
              one at a time         {serial.TotalSeconds:0.00} s   (N × latency)
              wall ÷ ideal          {wall / ideal:0.00}
              failed cases          {failures}
            """);
        return wall < serial / 4 ? 0 : 1;
    }
}

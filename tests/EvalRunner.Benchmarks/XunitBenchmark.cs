using System.Diagnostics;
using System.Globalization;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Xunit;
using Xunit;
using Xunit.Sdk;

namespace EvalRunner.Benchmarks;

/// <summary>
/// The dotnet test path: the [EvalSuite] attribute's test cases, each awaited after the previous one as the test
/// runner runs the rows of a theory, against the engine's own run of the same suite (what `evalrunner run` does after
/// its process starts). Discovery is the attribute's GetData (the runner's own per-case bookkeeping is not in it).
/// The suite's generations must still run at its own concurrency.
/// </summary>
internal static class XunitBenchmark
{
    public static async Task<int> RunAsync(BenchmarkOptions options, RunEngine engine, Settings settings, string suitePath)
    {
        // The CLI's path first, after a run that warms up the engine for both.
        await engine.RunAsync(SuiteLoader.Load(suitePath, settings), new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "warmup") });
        var cliClock = Stopwatch.StartNew();
        var cliCpu = Process.GetCurrentProcess().TotalProcessorTime;
        await engine.RunAsync(SuiteLoader.Load(suitePath, settings), new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "cli") });
        var cliWall = cliClock.Elapsed;
        cliCpu = Process.GetCurrentProcess().TotalProcessorTime - cliCpu;

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var attribute = new EvalSuiteAttribute(suitePath);
        var rows = await attribute.GetData(typeof(XunitBenchmark).GetMethod(nameof(RunAsync))!, new DisposalTracker());
        var cases = rows.Select(row => (EvalCase)row.GetData()[0]!).ToList();
        var discovery = clock.Elapsed;
        clock.Restart();
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
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var ideal = TimeSpan.FromMilliseconds((double)options.N * options.LatencyMs / options.Concurrency);
        var serial = TimeSpan.FromMilliseconds((double)options.N * options.LatencyMs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            EvalRunner dotnet test path: {cases.Count - 1} datapoint cases + 1 aggregate case, awaited one after another
              datapoints            {options.N}
              suite concurrency     {options.Concurrency}
              server latency        {options.LatencyMs} ms
              discovery             {discovery.TotalSeconds:0.000} s   ({discovery.TotalMilliseconds / cases.Count:0.000} ms per case)
              run (test cases)      {wall.TotalSeconds:0.00} s
              run (engine, as CLI)  {cliWall.TotalSeconds:0.00} s
              overhead per case     {(wall + discovery - cliWall).TotalMilliseconds / cases.Count:0.000} ms wall, {(cpu - cliCpu).TotalMilliseconds / cases.Count:0.000} ms CPU
              CPU                   {cpu.TotalMilliseconds / options.N:0.000} ms per datapoint (test cases), {cliCpu.TotalMilliseconds / options.N:0.000} (engine)
              ideal time            {ideal.TotalSeconds:0.00} s   (N × latency ÷ concurrency)
              one at a time         {serial.TotalSeconds:0.00} s   (N × latency)
              wall ÷ ideal          {wall / ideal:0.00}
              failed cases          {failures}
              load average          {(File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown")}
            """));
        return wall < serial / 4 ? 0 : 1;
    }
}

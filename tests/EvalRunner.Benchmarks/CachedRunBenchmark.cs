using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EvalRunner.Caching;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;

namespace EvalRunner.Benchmarks;

/// <summary>
/// A fully cached re-run: the suite runs once and fills the response cache, then runs again with every generation
/// answered from it. Measured from loading the suite to run.json written, with the cache opened afresh, as a new
/// process would.
/// </summary>
internal static class CachedRunBenchmark
{
    public static async Task<int> RunAsync(BenchmarkOptions options, Settings settings, string suitePath, Uri baseUrl)
    {
        var cacheDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "cache");
        var engine = new RunEngine(settings);
        await using (var filling = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite, settings: settings))
        {
            await engine.RunAsync(SuiteLoader.Load(suitePath, settings), new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "filled"), Cache = filling });
        }

        using var http = new HttpClient();
        var before = await RequestsAsync(http, baseUrl);
        var files = Directory.GetFiles(cacheDirectory, "*", SearchOption.AllDirectories);
        var bytes = files.Sum(f => new FileInfo(f).Length);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        RunResult result;
        await using (var cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite, settings: settings))
        {
            result = await engine.RunAsync(SuiteLoader.Load(suitePath, settings), new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "again"), Cache = cache });
        }

        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var requests = await RequestsAsync(http, baseUrl) - before;
        var hits = result.Rows == 0 ? 0 : ResultsStore.ReadRows(Path.Combine(Path.GetDirectoryName(suitePath)!, "again")).Count(r => r.Log.CacheHit);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            EvalRunner fully cached re-run
              datapoints            {options.N}
              cache                 {files.Length} files, {bytes / 1048576.0:0.0} MB
              wall time             {wall.TotalSeconds:0.00} s   (load suite, open cache, run, write results)
              CPU                   {cpu.TotalMilliseconds / options.N:0.000} ms per datapoint
              answered from cache   {hits} of {result.Rows}
              requests seen         {requests}
            """));
        return hits == options.N && requests == 0 ? 0 : 1;
    }

    private static async Task<long> RequestsAsync(HttpClient http, Uri baseUrl) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUrl, "/_stats"))).RootElement.GetProperty("requests").GetInt64();
}

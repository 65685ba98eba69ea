using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner;
using EvalRunner.Benchmarks;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

// The end-to-end benchmark: the whole engine against the OpenAI-compatible test server, which runs in a child
// process so that the CPU time measured here is the engine's alone.
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- [--n 10000] [--concurrency 64] [--latency-ms 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --watch [--n 20000] [--poll-ms 250] [--rate 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --cached [--n 10000] [--concurrency 64]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --python [--n 20000] [--concurrency 64] [--workers CORES]
if (args is ["serve", var latencyText])
{
    await using var server = await FakeOpenAIServer.StartAsync();
    server.RecordRequests = false;
    server.Latency = TimeSpan.FromMilliseconds(double.Parse(latencyText, CultureInfo.InvariantCulture));
    Console.WriteLine(server.BaseUrl);
    await Console.In.ReadLineAsync();
    return 0;
}

var options = BenchmarkOptions.Parse(args);
if (options.Python)
{
    // No model server: the Python evaluator's workers alone.
    return await PythonBenchmark.RunAsync(options);
}

if (options.Watch)
{
    // No model server: the watcher evaluates logs that already carry their responses.
    return await WatchBenchmark.RunAsync(options);
}

var serverStart = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
{
    // Started as `dotnet EvalRunner.Benchmarks.dll`: the child needs the dll too.
    serverStart.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EvalRunner.Benchmarks.dll"));
}

serverStart.ArgumentList.Add("serve");
serverStart.ArgumentList.Add(options.LatencyMs.ToString(CultureInfo.InvariantCulture));
using var serverProcess = Process.Start(serverStart)!;
var baseUrl = new Uri((await serverProcess.StandardOutput.ReadLineAsync())!);
try
{
    using var work = new TempDirectory();
    var settings = Settings.FromEnvironment();
    var engine = new RunEngine(settings);

    if (options.Cached)
    {
        return await CachedRunBenchmark.RunAsync(options, settings, Setup(work, "cached", options.N, options.Concurrency, baseUrl), baseUrl);
    }

    if (options.Xunit)
    {
        return await XunitBenchmark.RunAsync(options, Setup(work, "xunit", options.N, options.Concurrency, baseUrl));
    }

    // Warm-up: the first run pays for JIT and connection set-up; it is not measured.
    await RunAsync(engine, settings, Setup(work, "warmup", 200, options.Concurrency, baseUrl));
    var suite = Setup(work, "measured", options.N, options.Concurrency, baseUrl);

    var before = Process.GetCurrentProcess().TotalProcessorTime;
    var peakHeap = 0L;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            await Task.Delay(100);
        }
    });
    var clock = Stopwatch.StartNew();
    var result = await RunAsync(engine, settings, suite);
    var wall = clock.Elapsed;
    await sampling.CancelAsync();
    await sampler;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - before;
    using var http = new HttpClient();
    var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUrl, "/_stats")));
    var requests = stats.RootElement.GetProperty("requests").GetInt64() - 200;

    var ideal = TimeSpan.FromMilliseconds((double)options.N * options.LatencyMs / options.Concurrency);
    var figures = new
    {
        n = options.N,
        concurrency = options.Concurrency,
        latency_ms = options.LatencyMs,
        wall_s = Math.Round(wall.TotalSeconds, 2),
        ideal_s = Math.Round(ideal.TotalSeconds, 2),
        efficiency = Math.Round(ideal / wall, 3),
        cpu_ms_per_datapoint = Math.Round(cpu.TotalMilliseconds / options.N, 3),
        peak_working_set_mb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1),
        peak_managed_heap_mb = Math.Round(peakHeap / 1048576.0, 1),
        requests_seen = requests,
        verdict = result.Verdict.ToString().ToLowerInvariant(),
        rows = result.Rows,
    };
    Console.WriteLine($"""
        EvalRunner end-to-end benchmark (warm-up of 200 datapoints not measured)
          datapoints            {figures.n}
          concurrency           {figures.concurrency}
          server latency        {figures.latency_ms} ms
          wall time             {figures.wall_s} s
          ideal time            {figures.ideal_s} s   (N × latency ÷ concurrency)
          efficiency            {figures.efficiency}  (ideal ÷ wall)
          engine CPU            {figures.cpu_ms_per_datapoint} ms per datapoint
          peak working set      {figures.peak_working_set_mb} MB
          peak managed heap     {figures.peak_managed_heap_mb} MB
          requests seen         {figures.requests_seen}
          verdict               {figures.verdict} ({result.Passed} passed, {result.Failed} failed, {result.Errors} errors)
        """);
    Console.WriteLine(JsonSerializer.Serialize(figures));
    return result.Rows == options.N && requests == options.N ? 0 : 1;
}
finally
{
    await serverProcess.StandardInput.WriteLineAsync();
    await serverProcess.WaitForExitAsync();
}

static Task<RunResult> RunAsync(RunEngine engine, Settings settings, string suitePath) =>
    engine.RunAsync(
        SuiteLoader.Load(suitePath, settings),
        new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "out") });

static string Setup(TempDirectory work, string name, int n, int concurrency, Uri baseUrl)
{
    var data = new StringBuilder();
    for (var i = 0; i < n; i++)
    {
        // One datapoint in twenty expects a word the echoing server will not say.
        var expected = i % 20 == 0 ? "absent" : $"topic{i % 97}";
        data.Append(CultureInfo.InvariantCulture, $$"""{"id":"dp-{{i}}","input":"Tell me about topic{{i % 97}} please, question {{i}}.","expected":"{{expected}}","tags":["t{{i % 5}}"]}""").Append('\n');
    }

    work.File($"{name}/cases.jsonl", data.ToString());
    return work.File($"{name}/bench.eval.yaml", $$"""
        name: bench
        dataset: cases.jsonl
        models:
          - name: bench
            provider: openai
            model: bench-model
            base_url: {{baseUrl}}
            api_key: bench-key
        evaluators:
          - name: answers
            type: contains
          - type: not-contains
            values: [ERROR]
          - type: regex
            pattern: You said
          - type: length
          - type: latency
        thresholds:
          - length.words <= 200
          - mean(answers.passed) >= 0.5
          - p95(latency.ms) <= 10000
        run:
          concurrency: {{concurrency}}
          timeout: 60s
        """);
}

using System.Diagnostics;
using System.Globalization;
using EvalRunner;
using EvalRunner.Benchmarks;
using EvalRunner.Runs;
using EvalRunner.Testing;

// The end-to-end benchmark: the whole engine against the OpenAI-compatible test server, which runs in a child
// process so that the CPU time measured here is the engine's alone.
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- [--n 10000] [--concurrency 64] [--latency-ms 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --pipeline [--n 10000] [--concurrency 64] [--latency-ms 200] [--workers CORES]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --allocations [--n 10000] ... (adds where the bytes go, by type)
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --xunit [--n 100] [--concurrency 16] [--latency-ms 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --dotnet-test [--n 2000] [--concurrency 16] [--latency-ms 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --watch [--n 20000] [--poll-ms 250] [--rate 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --watch-shards [--n 20000] [--poll-ms 250] [--concurrency 8]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --cached [--n 10000] [--concurrency 64]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --agent [--n 10000] [--concurrency 64] [--latency-ms 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --simulate [--pairs 200] [--n 200]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --python [--n 20000] [--concurrency 64] [--workers CORES]
//   dotnet run -c Release --project tests/EvalRunner.Benchmarks -- --view [--n 100000]
if (args is ["serve", var latencyText])
{
    await using var server = await FakeOpenAIServer.StartAsync();
    server.RecordRequests = false;

    // A judge asks for JSON (response_format); a generation is echoed.
    server.Respond = request => request.ResponseFormat is null
        ? "You said: " + (request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty)
        : "{\"score\": 4}";
    // An agent (a request that offers tools) calls three tools, one per model call, then answers.
    server.CallTools = request => request.ToolResults < AgentBenchmark.ToolSteps ? [new FakeToolCall(request.Tools[request.ToolResults % request.Tools.Count], "{\"order_id\":\"42\"}")] : null;
    server.Latency = TimeSpan.FromMilliseconds(double.Parse(latencyText, CultureInfo.InvariantCulture));
    Console.WriteLine(server.BaseUrl);
    await Console.In.ReadLineAsync();
    return 0;
}

var options = BenchmarkOptions.Parse(args);
if (options.Simulate)
{
    // The test server in this process: what is measured is how often the gate is right, not time.
    return await GateSimulation.RunAsync(options);
}

if (options.View)
{
    // No model server: a results.jsonl written here, indexed, paged and filtered.
    return ViewBenchmark.Run(options);
}

if (options.Python)
{
    // No model server: the Python evaluator's workers alone.
    return await PythonBenchmark.RunAsync(options);
}

if (options.WatchShards)
{
    // Watcher processes of the CLI over one pre-written file: one, then two shards.
    return await WatchShardBenchmark.RunAsync(options);
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

    if (options.Agent)
    {
        return await AgentBenchmark.RunAsync(options, engine, settings, work, baseUrl);
    }

    if (options.Cached)
    {
        return await CachedRunBenchmark.RunAsync(options, settings, SuiteFiles.Write(work, "cached", options.N, options.Concurrency, baseUrl), baseUrl);
    }

    if (options.DotnetTest)
    {
        // The test app and the CLI in processes of their own, against this server.
        return await DotnetTestBenchmark.RunAsync(options, baseUrl);
    }

    if (options.Xunit)
    {
        return await XunitBenchmark.RunAsync(options, engine, settings, SuiteFiles.Write(work, "xunit", options.N, options.Concurrency, baseUrl));
    }

    return await EndToEndBenchmark.RunAsync(options, engine, settings, work, baseUrl, serverProcess);
}
finally
{
    await serverProcess.StandardInput.WriteLineAsync();
    await serverProcess.WaitForExitAsync();
}


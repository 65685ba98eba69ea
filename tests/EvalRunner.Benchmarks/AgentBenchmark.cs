using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// The agent shape: each datapoint is a tool loop of <see cref="ToolSteps"/> tool calls (canned results, taking no
/// time) and <see cref="ToolSteps"/> + 1 model calls to the test server in its child process, at the given latency.
/// Efficiency is counted over every model call: the ideal wall time is model calls × latency ÷ concurrency.
/// </summary>
internal static class AgentBenchmark
{
    /// <summary>Tool calls per datapoint; the test server's agent answers after this many.</summary>
    public const int ToolSteps = 3;

    private const int WarmUp = 200;

    public static async Task<int> RunAsync(BenchmarkOptions options, RunEngine engine, Settings settings, TempDirectory work, Uri baseUrl)
    {
        await RunAsync(engine, settings, Write(work, "agent-warmup", WarmUp, options.Concurrency, baseUrl));
        var suite = Write(work, "agent", options.N, options.Concurrency, baseUrl);
        GC.Collect();

        using var http = new HttpClient();
        var requestsBefore = await RequestsAsync(http, baseUrl);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = await RunAsync(engine, settings, suite);
        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var modelCalls = await RequestsAsync(http, baseUrl) - requestsBefore;
        var steps = modelCalls + ((long)options.N * ToolSteps);
        var ideal = TimeSpan.FromMilliseconds(modelCalls * options.LatencyMs / options.Concurrency);
        var figures = new
        {
            n = options.N,
            concurrency = options.Concurrency,
            latency_ms = options.LatencyMs,
            model_calls = modelCalls,
            tool_calls = (long)options.N * ToolSteps,
            wall_s = Math.Round(wall.TotalSeconds, 2),
            ideal_s = Math.Round(ideal.TotalSeconds, 2),
            efficiency = Math.Round(ideal / wall, 3),
            cpu_ms_per_step = Math.Round(cpu.TotalMilliseconds / steps, 3),
            cpu_ms_per_datapoint = Math.Round(cpu.TotalMilliseconds / options.N, 3),
            passed = result.Passed,
            verdict = result.Verdict.ToString().ToLowerInvariant(),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            agent benchmark: N = {options.N}, C = {options.Concurrency}, L = {options.LatencyMs} ms per model call, {ToolSteps} canned tool steps per datapoint (0 ms each)
              model calls           {modelCalls} ({(double)modelCalls / options.N:0.##} per datapoint)
              wall                  {figures.wall_s} s (ideal {figures.ideal_s} s = model calls × L ÷ C)
              efficiency            {figures.efficiency}  (ideal ÷ wall)
              engine CPU            {figures.cpu_ms_per_step} ms per step (model or tool call), {figures.cpu_ms_per_datapoint} ms per datapoint
              verdict               {figures.verdict}, {result.Passed} of {result.Rows} rows passed
            """));
        Console.WriteLine(JsonSerializer.Serialize(figures));
        return result.Rows == options.N && modelCalls == (long)options.N * (ToolSteps + 1) ? 0 : 1;
    }

    private static Task<RunResult> RunAsync(RunEngine engine, Settings settings, string suitePath) =>
        engine.RunAsync(SuiteLoader.Load(suitePath, settings), new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "out") });

    private static async Task<long> RequestsAsync(HttpClient http, Uri baseUrl) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUrl, "/_stats"))).RootElement.GetProperty("requests").GetInt64();

    private static string Write(TempDirectory work, string name, int n, int concurrency, Uri baseUrl)
    {
        var folder = Path.Combine(work.Path, name);
        Directory.CreateDirectory(folder);
        using (var data = new StreamWriter(Path.Combine(folder, "cases.jsonl")))
        {
            for (var i = 0; i < n; i++)
            {
                data.Write(string.Create(CultureInfo.InvariantCulture, $$"""{"id":"dp-{{i}}","input":"Where is order {{i}}? Refund it if late."}"""));
                data.Write('\n');
            }
        }

        return work.File($"{name}/agent.eval.yaml", $$"""
            name: agent-bench
            dataset: cases.jsonl
            models:
              - name: agent
                provider: openai
                model: bench-model
                base_url: {{baseUrl}}
                api_key: bench-key
                max_steps: 8
                tools:
                  - name: lookup_order
                    parameters:
                      type: object
                      properties:
                        order_id: {type: string}
                  - name: check_policy
                    parameters:
                      type: object
                      properties:
                        order_id: {type: string}
                  - name: refund_order
                    parameters:
                      type: object
                      properties:
                        order_id: {type: string}
            tool_results:
              - name: lookup_order
                result: {status: late}
              - name: check_policy
                result: refundable
              - name: refund_order
                result: refunded
            evaluators:
              - type: trajectory
              - type: length
            thresholds:
              - trajectory.tool_errors == 0
              - mean(trajectory.steps) <= 8
            run:
              concurrency: {{concurrency}}
              timeout: 120s
            """);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// The engine end to end against the test server in its child process: generation and the built-in evaluators, and
/// with --pipeline an LLM judge (a second call on the same server per datapoint) and a Python evaluator as well.
/// The engine's CPU is this process's own (user + system), which leaves out every child process: the test server and
/// the Python workers, whose CPU is read from /proc and shown apart.
/// </summary>
internal static class EndToEndBenchmark
{
    private const int WarmUp = 200;

    public static async Task<int> RunAsync(BenchmarkOptions options, RunEngine engine, Settings settings, TempDirectory work, Uri baseUrl, Process server)
    {
        // Warm-up: the first run pays for JIT, connection set-up and the Python workers' start; it is not measured.
        await RunAsync(engine, settings, SuiteFiles.Write(work, "warmup", WarmUp, options.Concurrency, baseUrl, options.Pipeline, options.Workers), null);
        var suite = SuiteFiles.Write(work, "measured", options.N, options.Concurrency, baseUrl, options.Pipeline, options.Workers);
        GC.Collect();

        using var http = new HttpClient();
        var requestsBefore = await RequestsAsync(http, baseUrl);
        var serverCpuBefore = server.TotalProcessorTime;
        var milestones = new Milestones(options.N);
        // The peak managed heap in each phase: before the first row (load, check), the rows, after the last row (decide, write).
        var peakHeap = new long[3];
        var children = new ChildCpu(server.Id);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var phase = milestones.Phase;
                peakHeap[phase] = Math.Max(peakHeap[phase], GC.GetTotalMemory(false));
                children.Sample();
                await Task.Delay(100);
            }
        });
        using var allocations = options.Allocations ? new AllocationSampler() : null;
        if (allocations is not null)
        {
            allocations.Phase = () => milestones.Phase;
            allocations.Enabled = true;
        }

        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        milestones.Clock = clock;
        var result = await RunAsync(engine, settings, suite, milestones);
        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - before;
        var secondHalfCpu = Process.GetCurrentProcess().TotalProcessorTime - milestones.Cpu;
        await sampling.CancelAsync();
        await sampler;
        var serverCpu = server.TotalProcessorTime - serverCpuBefore;
        var requests = await RequestsAsync(http, baseUrl) - requestsBefore;

        var callsPerDatapoint = options.Pipeline ? 2 : 1;
        var ideal = TimeSpan.FromMilliseconds((double)options.N * callsPerDatapoint * options.LatencyMs / options.Concurrency);
        var process = Process.GetCurrentProcess();
        var figures = new
        {
            shape = options.Pipeline ? "generation + built-ins + llm judge + python" : "generation + built-ins",
            n = options.N,
            concurrency = options.Concurrency,
            latency_ms = options.LatencyMs,
            wall_s = Math.Round(wall.TotalSeconds, 2),
            ideal_s = Math.Round(ideal.TotalSeconds, 2),
            efficiency = Math.Round(ideal / wall, 3),
            cpu_ms_per_datapoint = Math.Round(cpu.TotalMilliseconds / options.N, 3),
            start_cpu_ms = Math.Round((milestones.StartCpu - before).TotalMilliseconds, 1),
            cpu_ms_per_datapoint_second_half = Math.Round(secondHalfCpu.TotalMilliseconds / (options.N - milestones.Rows), 3),
            start_s = Math.Round(milestones.StartWall.TotalSeconds, 2),
            steady_efficiency = Math.Round(milestones.SteadyRate * callsPerDatapoint * options.LatencyMs / 1000.0 / options.Concurrency, 3),
            last_tenth_s = Math.Round((milestones.Last - milestones.NinetyPercent).TotalSeconds, 2),
            completion_s = Math.Round((wall - milestones.Last).TotalSeconds, 2),
            python_cpu_ms_per_datapoint = options.Pipeline ? Math.Round(children.Total.TotalMilliseconds / options.N, 3) : (double?)null,
            server_cpu_s = Math.Round(serverCpu.TotalSeconds, 2),
            server_cpu_share = Math.Round(serverCpu / wall, 3),
            peak_working_set_mb = Math.Round(process.PeakWorkingSet64 / 1048576.0, 1),
            peak_managed_heap_mb = Math.Round(peakHeap.Max() / 1048576.0, 1),
            peak_managed_heap_mb_by_phase = peakHeap.Select(b => Math.Round(b / 1048576.0, 1)).ToArray(),
            requests,
            verdict = result.Verdict.ToString().ToLowerInvariant(),
            rows = result.Rows,
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            EvalRunner end-to-end benchmark: {figures.shape} (warm-up of {WarmUp} datapoints not measured)
              datapoints            {figures.n}
              concurrency           {figures.concurrency}
              server latency        {figures.latency_ms} ms
              wall time             {figures.wall_s} s
              ideal time            {figures.ideal_s} s   ((generations + judge calls) × latency ÷ concurrency)
              efficiency            {figures.efficiency}  (ideal ÷ wall)
              timeline              {figures.start_s} s before the first row; {figures.steady_efficiency} of the ideal rate from 25% to 75% of the rows; the last 10% in {figures.last_tenth_s} s (ideal {Math.Round(ideal.TotalSeconds / 10, 2)} s); {figures.completion_s} s from the last row to the result (tally, reports)
              engine CPU            {figures.cpu_ms_per_datapoint} ms per datapoint; {figures.cpu_ms_per_datapoint_second_half} ms over the second half; {figures.start_cpu_ms} ms before the first row (load, check, fingerprint)
              python workers' CPU   {(figures.python_cpu_ms_per_datapoint is { } python ? $"{python} ms per datapoint (child processes, not in the engine's)" : "none")}
              test server's CPU     {figures.server_cpu_s} s ({figures.server_cpu_share} of one core over the wall time)
              peak working set      {figures.peak_working_set_mb} MB
              peak managed heap     {figures.peak_managed_heap_mb} MB ({string.Join(" / ", figures.peak_managed_heap_mb_by_phase)} MB before the first row / during the rows / after the last row)
              requests              {figures.requests}
              verdict               {figures.verdict} ({result.Passed} passed, {result.Failed} failed, {result.Errors} errors)
              load average          {LoadAverage()}
            """));
        if (allocations is not null)
        {
            allocations.Enabled = false;
            Console.WriteLine("allocations by type (sampled every ~100 KB; slows the run, so the figures above are not comparable):");
            Console.WriteLine(allocations.Report(options.N));
        }

        Console.WriteLine(JsonSerializer.Serialize(figures));
        return result.Rows == options.N && requests == (long)options.N * callsPerDatapoint ? 0 : 1;
    }

    private static Task<RunResult> RunAsync(RunEngine engine, Settings settings, string suitePath, IRunObserver? observer) =>
        engine.RunAsync(
            SuiteLoader.Load(suitePath, settings),
            new RunRequest { OutputDirectory = Path.Combine(Path.GetDirectoryName(suitePath)!, "out"), Observer = observer });

    private static async Task<long> RequestsAsync(HttpClient http, Uri baseUrl) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUrl, "/_stats"))).RootElement.GetProperty("requests").GetInt64();

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>
    /// Takes this process's CPU time when half the rows are written (the second half is the steady state), and the wall
    /// time of the run's milestones: the first row started, a quarter, three quarters and nine tenths of the rows written.
    /// </summary>
    private sealed class Milestones(int total) : IRunObserver
    {
        private int _finished;
        private TimeSpan _quarter;

        public int Rows => total / 2;

        public Stopwatch? Clock { get; set; }

        public TimeSpan Cpu { get; private set; }

        /// <summary>This process's CPU time when the first row starts: the suite loaded, the dataset checked and fingerprinted.</summary>
        public TimeSpan StartCpu { get; private set; }

        public TimeSpan StartWall { get; private set; }

        public TimeSpan NinetyPercent { get; private set; }

        public TimeSpan Last { get; private set; }

        /// <summary>The run's phase now: 0 before the first row, 1 during the rows, 2 after the last one.</summary>
        public int Phase => StartWall == TimeSpan.Zero ? 0 : Last == TimeSpan.Zero ? 1 : 2;

        /// <summary>Rows written per second between a quarter and three quarters of the rows.</summary>
        public double SteadyRate { get; private set; }

        public void Started(int total)
        {
            StartCpu = Process.GetCurrentProcess().TotalProcessorTime;
            StartWall = Clock?.Elapsed ?? TimeSpan.Zero;
        }

        public void RowFinished(Row row)
        {
            var finished = ++_finished;
            if (Clock is null)
            {
                return;
            }

            if (finished == total / 4)
            {
                _quarter = Clock.Elapsed;
            }
            else if (finished == total / 2)
            {
                Cpu = Process.GetCurrentProcess().TotalProcessorTime;
            }
            else if (finished == total * 3 / 4)
            {
                SteadyRate = (total * 3 / 4 - total / 4) / (Clock.Elapsed - _quarter).TotalSeconds;
            }
            else if (finished == total * 9 / 10)
            {
                NinetyPercent = Clock.Elapsed;
            }

            if (finished == total)
            {
                Last = Clock.Elapsed;
            }
        }
    }

    /// <summary>
    /// The CPU time of this process's children but one (the test server): the Python workers. Read from
    /// /proc/PID/stat (utime + stime, in clock ticks of 10 ms) every 100 ms; a worker's last 100 ms before it exits are missed.
    /// </summary>
    private sealed class ChildCpu(int excluded)
    {
        private readonly Dictionary<int, long> _ticks = [];

        public TimeSpan Total => TimeSpan.FromMilliseconds(_ticks.Values.Sum() * 10.0);

        public void Sample()
        {
            foreach (var task in Directory.Exists("/proc/self/task") ? Directory.GetDirectories("/proc/self/task") : [])
            {
                string children;
                try
                {
                    children = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (IOException)
                {
                    continue;
                }

                foreach (var pid in children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Where(p => p != excluded))
                {
                    try
                    {
                        var stat = File.ReadAllText($"/proc/{pid}/stat");

                        // The fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
                        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                        _ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    }
                    catch (IOException)
                    {
                        // Exited between the two reads.
                    }
                }
            }
        }
    }
}

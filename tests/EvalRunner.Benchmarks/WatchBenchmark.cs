using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Online;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// `evalrunner watch` throughput and added latency: a suite with the contains evaluator following a JSONL file.
/// First N logs are appended at once and the time until every one has a row gives logs per second; then logs are
/// appended at a steady rate, each append timestamped, and the time until its row appears in <c>results.jsonl</c>
/// gives the latency the watcher adds (the poll interval included).
/// </summary>
internal static class WatchBenchmark
{
    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        using var work = new TempDirectory();
        var suitePath = work.File("watch/prod.eval.yaml", $$"""
            name: prod
            evaluators:
              - type: contains
                value: refund
            thresholds:
              - mean(contains.passed) >= 0.5
            online:
              window: 1000
            run:
              concurrency: {{options.Concurrency}}
            """);
        var log = Path.Combine(work.Path, "watch", "app.jsonl");
        File.WriteAllText(log, string.Empty);
        var output = Path.Combine(work.Path, "watch", "out");
        var settings = Settings.FromEnvironment();
        var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = settings });
        using var monitor = await OnlineMonitor.StartAsync(new RunEngine(settings), suite, output, _ => { }, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var poll = TimeSpan.FromMilliseconds(options.PollMs);
        var watching = monitor.WatchAsync(log, poll, stop.Token);
        var rows = Path.Combine(output, ResultsStore.RowsFile);

        // Throughput: N logs appended at once.
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var text = new StringBuilder();
        for (var i = 0; i < options.N; i++)
        {
            text.Append(Line(i));
        }

        File.AppendAllText(log, text.ToString());
        while (monitor.Evaluated < options.N && !watching.IsCompleted)
        {
            await Task.Delay(5);
        }

        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - before;

        // Latency: logs appended at a steady rate, well below the throughput, each append timestamped.
        var sampled = options.LatencyLogs;
        var appended = new long[sampled];
        var seen = new long[sampled];
        using var tailing = new CancellationTokenSource();
        var tail = Task.Run(() => TailAsync(rows, options.N, seen, tailing.Token));
        var pace = Stopwatch.StartNew();
        for (var i = 0; i < sampled; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)options.Rate);
            if (due > pace.Elapsed)
            {
                await Task.Delay(due - pace.Elapsed);
            }

            appended[i] = Stopwatch.GetTimestamp();
            File.AppendAllText(log, Line(options.N + i));
        }

        while (monitor.Evaluated < options.N + sampled && !watching.IsCompleted)
        {
            await Task.Delay(5);
        }

        await Task.Delay(100);
        await tailing.CancelAsync();
        await tail;
        await stop.CancelAsync();
        var result = await watching;

        var latencies = Enumerable.Range(0, sampled).Where(i => seen[i] != 0).Select(i => Stopwatch.GetElapsedTime(appended[i], seen[i]).TotalMilliseconds).Order().ToList();
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        var figures = new
        {
            mode = "watch",
            n = options.N,
            concurrency = options.Concurrency,
            poll_ms = options.PollMs,
            wall_s = Math.Round(wall.TotalSeconds, 2),
            logs_per_s = Math.Round(options.N / wall.TotalSeconds, 0),
            cpu_ms_per_log = Math.Round(cpu.TotalMilliseconds / options.N, 3),
            latency_logs = sampled,
            latency_rate_per_s = options.Rate,
            latency_p50_ms = Math.Round(Percentile(0.50), 1),
            latency_p95_ms = Math.Round(Percentile(0.95), 1),
            latency_max_ms = Math.Round(latencies.LastOrDefault(), 1),
            peak_working_set_mb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1),
            rows = result.Rows,
        };
        Console.WriteLine($"""
            EvalRunner watch benchmark (contains evaluator following a JSONL file)
              logs appended at once {figures.n}
              suite concurrency     {figures.concurrency}
              poll interval         {figures.poll_ms} ms
              wall time             {figures.wall_s} s   (append to the last row written)
              throughput            {figures.logs_per_s} logs/s
              watcher CPU           {figures.cpu_ms_per_log} ms per log
              latency sample        {figures.latency_logs} logs appended one by one at {figures.latency_rate_per_s}/s
              added latency p50     {figures.latency_p50_ms} ms   (line appended → its row in results.jsonl)
              added latency p95     {figures.latency_p95_ms} ms
              added latency max     {figures.latency_max_ms} ms
              peak working set      {figures.peak_working_set_mb} MB
              rows                  {figures.rows}
            """);
        Console.WriteLine(JsonSerializer.Serialize(figures));
        return result.Rows == options.N + sampled && latencies.Count == sampled ? 0 : 1;
    }

    private static string Line(int i) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"input":"can I get my money back? question {{i}}","generated_response":"{{(i % 10 == 0 ? "no" : "yes, a refund is possible")}}","model":"prod-bot","latency_ms":120}""") + "\n";

    /// <summary>Reads rows as they are written and stamps the time each latency log's row is first seen.</summary>
    private static async Task TailAsync(string rows, int first, long[] seen, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(rows, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(0, SeekOrigin.End);
        var pending = new StringBuilder();
        var buffer = new byte[1 << 16];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var read = stream.Read(buffer);
            if (read == 0)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(1, CancellationToken.None);
                continue;
            }

            var now = Stopwatch.GetTimestamp();
            pending.Append(chars, 0, decoder.GetChars(buffer, 0, read, chars, 0));
            var text = pending.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0)
            {
                continue;
            }

            foreach (var line in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var row = JsonDocument.Parse(line);
                var input = row.RootElement.GetProperty("input").GetString()!;
                var index = int.Parse(input[(input.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) - first;
                if (index >= 0 && index < seen.Length && seen[index] == 0)
                {
                    seen[index] = now;
                }
            }

            pending.Clear().Append(text[(end + 1)..]);
        }
    }
}

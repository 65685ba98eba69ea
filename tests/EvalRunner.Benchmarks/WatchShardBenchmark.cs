using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// `evalrunner watch` as processes over one pre-written JSONL file of N logs (contains evaluator): one watcher, then
/// two with `--shard 1/2` and `--shard 2/2`. Each phase is timed from the processes' start until the rows of all N logs
/// are in their results files; the rows' <c>arrived_at</c> (the watcher read the line) and <c>evaluated_at</c> give
/// the throughput without start-up (first arrival to last row) and each log's time from arrival to its row.
/// </summary>
internal static class WatchShardBenchmark
{
    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        var repository = RepositoryRoot();
        var cli = Path.Combine(repository, "src", "EvalRunner.Cli", "bin", "Release", "net10.0", "EvalRunner.Cli.dll");
        // Not timed: the CLI in Release.
        using (var build = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { "build", Path.Combine(repository, "src", "EvalRunner.Cli", "EvalRunner.Cli.csproj"), "-c", "Release", "-v:q", "-nologo" } })!)
        {
            await build.WaitForExitAsync();
            if (build.ExitCode != 0)
            {
                Console.Error.WriteLine($"dotnet build of the CLI exited with {build.ExitCode}");
                return 2;
            }
        }

        using var work = new TempDirectory();
        work.File("prod.eval.yaml", $$"""
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
        var text = new StringBuilder();
        for (var i = 0; i < options.N; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""{"trace_id":"{{i + 1:x32}}","input":"can I get my money back? question {{i}}","generated_response":"{{(i % 10 == 0 ? "no" : "yes, a refund is possible")}}","model":"prod-bot","latency_ms":120}""").Append('\n');
        }

        work.File("logs/app.jsonl", text.ToString());
        var one = await PhaseAsync(cli, work.Path, options, [null]);
        var two = await PhaseAsync(cli, work.Path, options, ["1/2", "2/2"]);
        Console.WriteLine($"""
            EvalRunner watch benchmark, one process and two --shard processes (contains evaluator, {options.N} logs pre-written in one file)
              poll {options.PollMs} ms, suite concurrency {options.Concurrency}, load average {LoadAverage()}, {Environment.ProcessorCount} cores
            {Line("1 watcher", one)}
            {Line("2 watchers (--shard 1/2, 2/2)", two)}
            """);
        Console.WriteLine(JsonSerializer.Serialize(new { mode = "watch-shards", n = options.N, poll_ms = options.PollMs, one, two }));
        return one.Rows == options.N && two.Rows == options.N && one.Distinct == options.N && two.Distinct == options.N ? 0 : 1;
    }

    private static string Line(string name, Figures f) =>
        $"  {name,-30} wall {f.WallS} s (start to last row), {f.LogsPerS} logs/s; first arrival to last row {f.ActiveS} s, {f.ActiveLogsPerS} logs/s; "
        + $"arrival to row p50 {f.P50Ms} ms, p99 {f.P99Ms} ms; CPU {f.CpuMsPerLog} ms per log; rows {f.Rows} ({f.Distinct} distinct)";

    /// <summary>Starts one watcher per shard given (null: no --shard), waits for the rows of all N logs, stops them.</summary>
    private static async Task<Figures> PhaseAsync(string cli, string folder, BenchmarkOptions options, string?[] shards)
    {
        var outputs = shards.Select((s, i) => Path.Combine(folder, $"out-{shards.Length}-{i + 1}")).ToList();
        var clock = Stopwatch.StartNew();
        var watchers = shards.Select((shard, i) => Start(cli, folder, outputs[i], shard, options.PollMs)).ToList();
        var rowsFiles = outputs.Select(o => Path.Combine(o, "prod", "results.jsonl")).ToList();
        while (rowsFiles.Sum(CountLines) < options.N)
        {
            if (watchers.Any(w => w.HasExited) || clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                Console.Error.WriteLine("a watcher exited, or the rows did not come within 10 minutes");
                watchers.ForEach(w => { if (!w.HasExited) { w.Kill(); } });
                return new Figures();
            }

            await Task.Delay(20);
        }

        var wall = clock.Elapsed;
        var cpu = watchers.Aggregate(TimeSpan.Zero, (sum, w) => sum + w.TotalProcessorTime);
        foreach (var watcher in watchers)
        {
            using var term = Process.Start("kill", ["-TERM", watcher.Id.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
        }

        foreach (var watcher in watchers)
        {
            await watcher.WaitForExitAsync();
            watcher.Dispose();
        }

        var rows = rowsFiles.SelectMany(File.ReadLines).Where(l => l.EndsWith('}')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var arrived = rows.Select(r => r.GetProperty("arrived_at").GetDateTimeOffset()).ToList();
        var evaluated = rows.Select(r => r.GetProperty("evaluated_at").GetDateTimeOffset()).ToList();
        var latencies = arrived.Zip(evaluated, (a, e) => (e - a).TotalMilliseconds).Order().ToList();
        double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        var active = evaluated.Max() - arrived.Min();
        return new Figures
        {
            Rows = rows.Count,
            Distinct = rows.Select(r => r.GetProperty("datapoint_id").GetString()).Distinct().Count(),
            WallS = Math.Round(wall.TotalSeconds, 2),
            LogsPerS = Math.Round(options.N / wall.TotalSeconds, 0),
            ActiveS = Math.Round(active.TotalSeconds, 2),
            ActiveLogsPerS = Math.Round(options.N / active.TotalSeconds, 0),
            P50Ms = Math.Round(Percentile(0.50), 1),
            P99Ms = Math.Round(Percentile(0.99), 1),
            CpuMsPerLog = Math.Round(cpu.TotalMilliseconds / options.N, 3),
        };
    }

    private static Process Start(string cli, string folder, string output, string? shard, int pollMs)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments = [cli, "watch", "prod.eval.yaml", "--logs", "logs/app.jsonl", "--out", output, "--poll", $"{pollMs}ms", .. shard is null ? Array.Empty<string>() : ["--shard", shard]];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int CountLines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[1 << 16];
        var count = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            count += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return count;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EvalRunner.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no EvalRunner.sln above {AppContext.BaseDirectory}: run the benchmark from the repository's build");
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>One phase's figures (JSON names as the other benchmarks print them).</summary>
    private sealed record Figures
    {
        public int Rows { get; init; }

        public int Distinct { get; init; }

        public double WallS { get; init; }

        public double LogsPerS { get; init; }

        public double ActiveS { get; init; }

        public double ActiveLogsPerS { get; init; }

        public double P50Ms { get; init; }

        public double P99Ms { get; init; }

        public double CpuMsPerLog { get; init; }
    }
}

using System.Globalization;

namespace EvalRunner.Benchmarks;

/// <summary>The benchmark's command line: --n, --concurrency, --latency-ms; --xunit, --dotnet-test; --pipeline, --workers; --watch with --poll-ms, --rate, --latency-logs; --watch-shards with --poll-ms; --view.</summary>
internal sealed record BenchmarkOptions
{
    public int N { get; init; } = 10_000;

    public int Concurrency { get; init; } = 64;

    public int LatencyMs { get; init; } = 200;

    /// <summary>Measures the dotnet test path instead: one EvalCase awaited after another, as the test runner does.</summary>
    public bool Xunit { get; init; }

    /// <summary>Measures `dotnet test` out of process instead: the xunit example scaled to N datapoints, discovery and run, against `evalrunner run`.</summary>
    public bool DotnetTest { get; init; }

    /// <summary>Measures `evalrunner watch` instead: logs per second evaluated and the latency added per log.</summary>
    public bool Watch { get; init; }

    /// <summary>Measures `evalrunner watch` processes over a pre-written file: one watcher, then two with --shard 1/2 and 2/2.</summary>
    public bool WatchShards { get; init; }

    /// <summary>Measures the Python evaluator alone: evaluations per second through 1 worker, then through <see cref="Workers"/>.</summary>
    public bool Python { get; init; }

    /// <summary>The Python worker processes of the pooled phase of --python (default: the number of cores).</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Measures a fully cached re-run instead: the suite runs once into the response cache, then again from it.</summary>
    public bool Cached { get; init; }

    /// <summary>The agent shape: three tool steps per datapoint (four model calls), canned tools.</summary>
    public bool Agent { get; init; }

    /// <summary>Adds an LLM judge (a second call per datapoint on the same server) and a Python evaluator to the end-to-end run.</summary>
    public bool Pipeline { get; init; }

    /// <summary>Samples the end-to-end run's allocations by type and phase (the runtime's allocation ticks) and prints them.</summary>
    public bool Allocations { get; init; }

    /// <summary>Measures the results viewer's engine instead: a large results.jsonl indexed, paged and filtered.</summary>
    public bool View { get; init; }

    /// <summary>Simulates the baseline gate: how often it flags noise, how often it catches a real drop.</summary>
    public bool Simulate { get; init; }

    /// <summary>Base/head pairs simulated by --simulate.</summary>
    public int Pairs { get; init; } = 200;

    /// <summary>The watcher's poll interval (the CLI's default).</summary>
    public int PollMs { get; init; } = 250;

    /// <summary>Logs appended per second in the latency phase of --watch.</summary>
    public int Rate { get; init; } = 200;

    /// <summary>Logs appended one by one, each timestamped, in the latency phase of --watch.</summary>
    public int LatencyLogs { get; init; } = 2000;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        if (args.Contains("--xunit"))
        {
            options = options with { Xunit = true, N = 100, Concurrency = 16 };
            args = [.. args.Where(a => a != "--xunit")];
        }

        if (args.Contains("--dotnet-test"))
        {
            options = options with { DotnetTest = true, N = 2000, Concurrency = 16 };
            args = [.. args.Where(a => a != "--dotnet-test")];
        }

        if (args.Contains("--watch-shards"))
        {
            options = options with { WatchShards = true, N = 20_000, Concurrency = 8 };
            args = [.. args.Where(a => a != "--watch-shards")];
        }

        if (args.Contains("--watch"))
        {
            options = options with { Watch = true, N = 20_000, Concurrency = 8 };
            args = [.. args.Where(a => a != "--watch")];
        }

        if (args.Contains("--python"))
        {
            options = options with { Python = true, N = 20_000, Concurrency = 64 };
            args = [.. args.Where(a => a != "--python")];
        }

        if (args.Contains("--view"))
        {
            options = options with { View = true, N = 100_000 };
            args = [.. args.Where(a => a != "--view")];
        }

        if (args.Contains("--simulate"))
        {
            options = options with { Simulate = true, N = 200 };
            args = [.. args.Where(a => a != "--simulate")];
        }

        if (args.Contains("--agent"))
        {
            options = options with { Agent = true };
            args = [.. args.Where(a => a != "--agent")];
        }

        if (args.Contains("--cached"))
        {
            options = options with { Cached = true };
            args = [.. args.Where(a => a != "--cached")];
        }

        if (args.Contains("--allocations"))
        {
            options = options with { Allocations = true };
            args = [.. args.Where(a => a != "--allocations")];
        }

        if (args.Contains("--pipeline"))
        {
            options = options with { Pipeline = true };
            args = [.. args.Where(a => a != "--pipeline")];
        }

        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--n" => options with { N = value },
                "--concurrency" => options with { Concurrency = value },
                "--latency-ms" => options with { LatencyMs = value },
                "--poll-ms" => options with { PollMs = value },
                "--rate" => options with { Rate = value },
                "--latency-logs" => options with { LatencyLogs = value },
                "--workers" => options with { Workers = value },
                "--pairs" => options with { Pairs = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --n, --concurrency, --latency-ms, --poll-ms, --rate, --latency-logs, --workers, --pairs"),
            };
        }

        return options;
    }
}

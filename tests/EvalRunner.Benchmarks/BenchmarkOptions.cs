using System.Globalization;

namespace EvalRunner.Benchmarks;

/// <summary>The benchmark's command line: --n, --concurrency, --latency-ms.</summary>
internal sealed record BenchmarkOptions
{
    public int N { get; init; } = 10_000;

    public int Concurrency { get; init; } = 64;

    public int LatencyMs { get; init; } = 200;

    /// <summary>Measures the dotnet test path instead: one EvalCase awaited after another, as the test runner does.</summary>
    public bool Xunit { get; init; }

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        if (args.Contains("--xunit"))
        {
            options = options with { Xunit = true, N = 100, Concurrency = 16 };
            args = [.. args.Where(a => a != "--xunit")];
        }

        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--n" => options with { N = value },
                "--concurrency" => options with { Concurrency = value },
                "--latency-ms" => options with { LatencyMs = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --n, --concurrency, --latency-ms"),
            };
        }

        return options;
    }
}

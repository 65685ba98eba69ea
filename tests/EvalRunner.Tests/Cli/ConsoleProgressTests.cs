using EvalRunner.Cli;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary>The run's progress display, on a fake clock.</summary>
public sealed class ConsoleProgressTests
{
    private static Row Row(int i, Outcome outcome, double cost) => new()
    {
        DatapointId = $"d{i}",
        ModelConfig = "gpt",
        Outcome = outcome,
        Log = new Log { ModelConfig = "gpt", CostUsd = cost },
        Evaluations = [],
    };

    [Fact]
    public void Without_a_terminal_a_line_every_five_seconds_at_most_with_rate_eta_errors_cost_and_concurrency()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        var output = new StringWriter();
        var progress = new ConsoleProgress(output, live: false, clock);
        var concurrency = 64;
        progress.Started(100, () => concurrency);

        // A row every 100 ms for 10 s: 100 rows; one of them errors, each costs a tenth of a cent.
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            if (i == 60)
            {
                concurrency = 40;
            }

            progress.RowFinished(Row(i, i == 10 ? Outcome.Error : Outcome.Pass, 0.001));
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        Assert.Equal("100 rows to run", lines[0]);

        // At 5 s, at 10 s (the last row, which is also due): no line in between.
        Assert.Equal(3, lines.Count);
        Assert.Equal("50/100 rows  10.0 rows/s  ETA 5s  passed 49  failed 0  errors 1  cost $0.05  concurrency 64  5s", lines[1]);
        Assert.Equal("100/100 rows  10.0 rows/s  ETA 0s  passed 99  failed 0  errors 1  cost $0.1  concurrency 40  10s", lines[2]);
    }

    [Fact]
    public void On_a_terminal_one_line_is_redrawn_in_place_with_a_bar()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        var output = new StringWriter();
        var progress = new ConsoleProgress(output, live: true, clock);
        progress.Started(2000, () => 8);

        for (var i = 0; i < 1000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(60));
            progress.RowFinished(Row(i, Outcome.Pass, 0));
        }

        var text = output.ToString();
        var draws = text.Split('\r').Skip(1).ToList();

        // 60 s of rows, redrawn at most every 100 ms: one draw every second row.
        Assert.Equal(500, draws.Count);
        Assert.DoesNotContain('\n', string.Concat(draws));
        Assert.Equal("  [############............] 1000/2000 rows  16.7 rows/s  ETA 1m00s  passed 1000", draws[^1][..80]);
        Assert.Contains("concurrency 8  1m00s", draws[^1], StringComparison.Ordinal);
    }
}

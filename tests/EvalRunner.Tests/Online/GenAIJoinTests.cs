using EvalRunner.Cli.Online;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>The join of GenAI spans and log events holds a bounded number of calls.</summary>
public sealed class GenAIJoinTests
{
    private static readonly GenAIClient Client = new() { Scope = "@opentelemetry/instrumentation-openai", Language = "nodejs", Service = "shop" };

    /// <summary>An event with a whole call's prompt and completion whose span has not come.</summary>
    private static GenAIEvent Call(int index) => new()
    {
        Key = $"{index:x32}:{index:x16}",
        Client = Client,
        TimeUnixNano = 1_700_000_000_000_000_000UL + (ulong)index,
        Sequence = index,
        Input = [("user", $"question {index}")],
        IsOutput = true,
        Output = $"answer {index}",
    };

    [Fact]
    public void More_calls_waiting_than_the_bound_end_the_oldest_first_even_when_they_arrive_in_one_request()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        var join = new GenAIJoin(clock);
        join.Commit(join.Offer([], [Call(0)]));
        clock.Advance(TimeSpan.FromSeconds(1));

        var plan = join.Offer([], [.. Enumerable.Range(1, GenAIJoin.MaxHeld + 1).Select(Call)]);
        join.Commit(plan);

        Assert.Equal(GenAIJoin.MaxHeld, join.Held);
        Assert.Equal(2, plan.Logs.Count);
        Assert.Equal($"otlp:{0:x32}:{0:x16}", plan.Logs[0].Id);
        Assert.Equal("answer 0", plan.Logs[0].Log.Response);
    }
}

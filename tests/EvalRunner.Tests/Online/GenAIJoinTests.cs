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

    [Fact]
    public void A_held_call_with_its_span_and_events_is_written_to_the_state_file_and_read_back_the_same()
    {
        var since = new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
        var span = new GenAISpan
        {
            Key = Call(7).Key,
            Client = new GenAIClient { Scope = "opentelemetry.instrumentation.openai_v2", Language = "python" },
            Model = "gpt-4o-mini",
            InputTokens = 9,
            LatencyMs = 840.5,
            StartUnixNano = ulong.MaxValue - 1,
            SystemInstructions = "Answer briefly.",
            Input = [("user", "What is 2+2?"), ("assistant", null)],
        };
        var call = new GenAICall { Key = span.Key, Since = since, Settled = since.AddSeconds(1), Span = span, Events = [Call(7), Call(7) with { Input = [], IsOutput = true, Output = null, ChoiceIndex = 1 }] };
        var text = GenAIJoinFile.Write([call], ["shop"]);

        var (calls, services) = GenAIJoinFile.Read(text);

        Assert.Equal(["shop"], services);
        var read = Assert.Single(calls);
        Assert.Equal(text, GenAIJoinFile.Write(calls, services));
        Assert.Equal(since, read.Since);
        Assert.Equal(since.AddSeconds(1), read.Settled);
        Assert.Equal(span with { Input = [] }, read.Span! with { Input = [] });
        Assert.Equal(span.Input, read.Span!.Input);
        Assert.Equal(2, read.Events.Count);
        Assert.Equal("answer 7", read.Events[0].Output);
        Assert.Equal(1, read.Events[1].ChoiceIndex);
    }

    [Theory]
    [InlineData("[]", "not version 1")]
    [InlineData("""{"version":1,"calls":[{"key":"a:b","since":"yesterday","events":[]}]}""", "calls[0].since is not a time")]
    [InlineData("""{"version":1,"calls":[{"key":"a:b","since":"2026-01-05T12:00:00.0000000+00:00"}]}""", "calls[0] has neither a span nor events")]
    [InlineData("""{"version":1,"calls":[{"key":"a:b","since":"2026-01-05T12:00:00.0000000+00:00","events":[{"scope":"s","time_unix_nano":-1}]}]}""", "calls[0].events[0].time_unix_nano is not a whole number")]
    public void A_damaged_state_file_is_refused_with_where_and_why(string text, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => GenAIJoinFile.Read(text));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}

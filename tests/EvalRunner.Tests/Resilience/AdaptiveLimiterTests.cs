using EvalRunner.Runs;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Resilience;

public sealed class AdaptiveLimiterTests
{
    [Fact]
    public async Task Rate_limits_halve_the_calls_allowed_at_once_and_successes_give_them_back()
    {
        var time = new FakeTimeProvider();
        var limiter = new AdaptiveLimiter(8, time);

        limiter.RateLimited();
        limiter.RateLimited();
        Assert.Equal(4, limiter.Limit);
        time.Advance(TimeSpan.FromSeconds(2));
        limiter.RateLimited();
        Assert.Equal(2, limiter.Limit);

        await limiter.WaitAsync(TestContext.Current.CancellationToken);
        await limiter.WaitAsync(TestContext.Current.CancellationToken);
        var third = limiter.WaitAsync(TestContext.Current.CancellationToken);
        Assert.False(third.IsCompleted);
        limiter.Release(succeeded: true);
        await third.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        for (var i = 0; i < 2; i++)
        {
            limiter.Release(succeeded: true);
            await limiter.WaitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(3, limiter.Limit);
    }
}

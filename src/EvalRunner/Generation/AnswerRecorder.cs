namespace EvalRunner.Generation;

/// <summary>
/// An HTTP handler under an SDK whose exceptions do not carry the answer's headers: it keeps the last failed answer
/// (status, error body, Retry-After) of the call that <see cref="Begin"/> started, so that the provider's
/// <see cref="ProviderKind.Classify"/> sees the wait a 429 asks for.
/// </summary>
internal sealed class AnswerRecorder(TimeProvider time) : DelegatingHandler
{
    private static readonly AsyncLocal<Slot?> Current = new();

    /// <summary>Where one call's failed answer is kept.</summary>
    internal sealed class Slot
    {
        public HttpAnswer? Answer { get; set; }
    }

    /// <summary>Starts a call: failed answers sent under this async flow are kept in the slot returned.</summary>
    public static Slot Begin() => Current.Value = new Slot();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && Current.Value is { } slot)
        {
            // Buffered, so that the SDK still reads the body after this.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            slot.Answer = HttpAnswer.From(
                (int)response.StatusCode,
                name => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null,
                body,
                response.ReasonPhrase,
                time);
        }

        return response;
    }

    /// <summary>An HTTP client whose failed answers are kept; no timeout of its own (the run's retries time each try).</summary>
    public static HttpClient CreateClient(TimeProvider time, Uri? baseAddress = null) =>
        new(new AnswerRecorder(time) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
}

using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using EvalRunner.Logs;

namespace EvalRunner.Generation;

/// <summary>
/// The retry policy of the run's OpenAI and Azure OpenAI clients, in their HTTP pipeline: each failed answer or
/// exception goes through the provider's <see cref="ProviderKind.Classify"/>, and <see cref="RetryBudget"/> decides
/// whether and when it is sent again. A 200 that holds no usable completion is sent again too. While it waits, the
/// row gives its slot back to the run's limiter.
/// </summary>
internal sealed class ProviderRetryPolicy(ClientSetup setup, Func<ProviderFailure, ProviderError?> classify) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        var budget = new RetryBudget(setup);
        while (true)
        {
            Exception? failure = null;
            try
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            catch (Exception ex) when (!message.CancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            var error = Classify(message, failure);
            if (error is null)
            {
                return;
            }

            var delay = budget.Next(error, failure);
            message.Response?.ContentStream?.Dispose();
            await setup.WaitBeforeRetry(delay, message.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Null when the answer is usable; else what went wrong, as the provider classifies it.</summary>
    private ProviderError? Classify(PipelineMessage message, Exception? failure)
    {
        if (failure is not null)
        {
            // Whatever failed while sending (a reset, a timeout) is sent again, as the provider's own words say or as a server error.
            return classify(new ProviderFailure { Exception = failure, Time = setup.Time })
                ?? new ProviderError { Kind = FaultKind.ServerError, Detail = failure.Message };
        }

        var response = message.Response!;
        var status = response.Status;
        if (status is >= 200 and < 300)
        {
            return Unusable(message) is { } what ? new ProviderError { Kind = FaultKind.Unusable, Status = status, Detail = what } : null;
        }

        var answer = HttpAnswer.From(response, setup.Time);
        return classify(new ProviderFailure { Exception = new ClientResultException(response), Answer = answer, Time = setup.Time })
            ?? ProviderError.From(answer);
    }

    /// <summary>What is wrong with a 2xx answer, or null when it holds a completion (or is not one this policy checks).</summary>
    private static string? Unusable(PipelineMessage message)
    {
        var path = message.Request.Uri?.AbsolutePath ?? string.Empty;
        var chat = path.EndsWith("/chat/completions", StringComparison.Ordinal);
        if (!message.BufferResponse || !(chat || path.EndsWith("/embeddings", StringComparison.Ordinal)))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(message.Response!.Content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "the body is not a JSON object";
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                var (code, text) = HttpAnswer.ErrorOf(error);
                return $"the body is an error{(code is null ? string.Empty : " " + code)}{(text is null ? string.Empty : ": " + text)}";
            }

            var list = chat ? "choices" : "data";
            if (!root.TryGetProperty(list, out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            {
                return $"'{list}' is missing or empty";
            }

            return chat && (!items[0].TryGetProperty("message", out var first) || first.ValueKind != JsonValueKind.Object)
                ? "the first choice has no message"
                : null;
        }
        catch (JsonException ex)
        {
            return "the body is not JSON (" + ex.Message.Split(" Path:")[0] + ")";
        }
    }
}

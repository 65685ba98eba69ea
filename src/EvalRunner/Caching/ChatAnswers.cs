using Microsoft.Extensions.AI;

namespace EvalRunner.Caching;

/// <summary>What an LLM's answer says about itself: whether it was refused, and whether it is complete.</summary>
internal static class ChatAnswers
{
    /// <summary>
    /// The refusal text of an OpenAI answer (<c>content: null</c> with <c>refusal</c>), which Microsoft.Extensions.AI
    /// gives as an <see cref="ErrorContent"/> with the error code <c>Refusal</c>.
    /// </summary>
    public static string? RefusalOf(ChatResponse response)
    {
        foreach (var message in response.Messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is ErrorContent { ErrorCode: "Refusal" } error)
                {
                    return error.Message;
                }
            }
        }

        return response.AdditionalProperties?.TryGetValue("Refusal", out var value) == true && value is string text ? text : null;
    }

    /// <summary>False when the answer was cut at the token limit, refused or filtered: such an answer is never served from the cache.</summary>
    public static bool IsComplete(ChatResponse response) =>
        RefusalOf(response) is null && response.FinishReason != ChatFinishReason.Length && response.FinishReason != ChatFinishReason.ContentFilter;
}

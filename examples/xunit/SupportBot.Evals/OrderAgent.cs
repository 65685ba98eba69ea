using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace SupportBot.Evals;

/// <summary>
/// The order agent under test: a Microsoft Agent Framework agent with two tools. Its model here is a scripted chat
/// client, so that the example runs offline; in your project it is your real IChatClient (OpenAI, Azure OpenAI, ...).
/// </summary>
internal static class OrderAgent
{
    private static readonly AIFunction LookupOrder = AIFunctionFactory.Create(
        (string order_id) => order_id == "42" ? "order 42: delivered 9 days late" : $"order {order_id}: not found", "lookup_order", "Finds an order by its id.");

    private static readonly AIFunction RefundOrder = AIFunctionFactory.Create(
        (string order_id) => $"refund R-{order_id} issued", "refund_order", "Refunds an order.");

    public static AIAgent Create() =>
        new ChatClientAgent(new ScriptedModel(), "You are a support agent. Look an order up before you change it.", "orders", tools: [LookupOrder, RefundOrder]);

    /// <summary>What a model would do: look the order up, refund it when asked, then answer with what the tools said.</summary>
    private sealed class ScriptedModel : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            var question = list.Last(m => m.Role == ChatRole.User).Text;
            var results = list.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
            var arguments = new Dictionary<string, object?> { ["order_id"] = "42" };
            ChatMessage answer = results.Count switch
            {
                0 => new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "lookup_order", arguments)]),
                1 when question.Contains("refund", StringComparison.OrdinalIgnoreCase) => new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_2", "refund_order", arguments)]),
                _ => new ChatMessage(ChatRole.Assistant, string.Join(" ", results.Select(r => r.Result)) + "."),
            };
            return Task.FromResult(new ChatResponse(answer) { Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 8 } });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the scripted model answers whole responses only");

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}

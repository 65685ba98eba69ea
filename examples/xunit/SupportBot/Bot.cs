using Microsoft.Extensions.AI;

namespace SupportBot;

/// <summary>
/// The example application under test: a customer-support bot that answers from a fixed FAQ. A real one would call
/// an IChatClient; this one answers the same way every time so that its evaluations run offline.
/// </summary>
public sealed class Bot
{
    private readonly (string[] Keywords, string Reply)[] _faq =
    [
        (["refund", "money back", "return"], "You can get a full refund within 30 days of purchase. Open Orders, choose the order and select Request refund."),
        (["password", "log in", "login", "sign in"], "To reset your password, select Forgot password on the sign-in page and follow the link we email you."),
        (["shipping", "deliver", "arrive"], "Standard shipping takes 3-5 business days; express shipping arrives in 1-2 business days."),
        (["cancel", "subscription"], "You can cancel your subscription at any time under Account > Billing. You keep access until the period ends."),
        (["invoice", "receipt"], "Invoices are under Account > Billing > Invoices, where you can download each one as a PDF."),
        (["human", "agent", "person"], "I can connect you with a support agent. Our team is available Monday to Friday, 9:00-17:00 CET."),
    ];

    public async Task<string> AnswerAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text.ToLowerInvariant() ?? string.Empty;
        foreach (var (keywords, reply) in _faq)
        {
            if (keywords.Any(keyword => question.Contains(keyword, StringComparison.Ordinal)))
            {
                return reply;
            }
        }

        return "I'm not sure about that. Could you tell me a bit more, or ask to talk to a support agent?";
    }
}

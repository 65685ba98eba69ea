namespace EvalRunner.Generation;

/// <summary>
/// Prices in USD per million tokens, input and output, by model. Built-in list prices for common OpenAI models
/// (which change: override them in the suite under <c>prices:</c>); models without a price cost nothing known.
/// </summary>
internal sealed class PriceTable
{
    private static readonly Dictionary<string, (double Input, double Output)> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o"] = (2.50, 10.00),
        ["gpt-4o-mini"] = (0.15, 0.60),
        ["gpt-4.1"] = (2.00, 8.00),
        ["gpt-4.1-mini"] = (0.40, 1.60),
        ["gpt-4.1-nano"] = (0.10, 0.40),
        ["o4-mini"] = (1.10, 4.40),
        ["gpt-5"] = (1.25, 10.00),
        ["gpt-5-mini"] = (0.25, 2.00),
        ["gpt-5-nano"] = (0.05, 0.40),
        ["text-embedding-3-small"] = (0.02, 0),
        ["text-embedding-3-large"] = (0.13, 0),
    };

    private readonly Dictionary<string, (double Input, double Output)> _prices;

    /// <summary>The built-in prices with <paramref name="overrides"/> on top.</summary>
    public PriceTable(IReadOnlyDictionary<string, (double Input, double Output)>? overrides = null)
    {
        _prices = new Dictionary<string, (double Input, double Output)>(BuiltIn, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides ?? new Dictionary<string, (double Input, double Output)>())
        {
            _prices[model] = price;
        }
    }

    /// <summary>The price of a model, or null when it has none.</summary>
    public (double Input, double Output)? PriceOf(string? model) =>
        model is not null && _prices.TryGetValue(model, out var price) ? price : null;

    /// <summary>The cost in USD of the tokens, or null when the model has no price.</summary>
    public double? Cost(string? model, long? inputTokens, long? outputTokens) =>
        PriceOf(model) is { } price ? (((inputTokens ?? 0) * price.Input) + ((outputTokens ?? 0) * price.Output)) / 1_000_000 : null;
}

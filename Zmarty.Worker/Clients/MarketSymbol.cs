namespace Zmarty.Worker.Clients;

/// <summary>
/// A watched symbol (<c>BTC/USDT</c>, also <c>BTC-USDT</c> or <c>BTCUSDT</c>) in the spellings the providers take:
/// Cryptometer's <c>pair</c> (<c>BTC-USDT</c>), <c>market_pair</c> (<c>BTCUSDT</c>) and <c>symbol</c> (<c>btc</c>).
/// </summary>
public sealed record MarketSymbol(string Base, string Quote)
{
    private static readonly string[] s_quotes = ["USDT", "USDC", "USD", "BTC", "ETH"];

    public string Pair => $"{Base}-{Quote}";

    public string MarketPair => Base + Quote;

    public string Asset => Base.ToLowerInvariant();

    /// <exception cref="ProviderException">The symbol has no recognisable base and quote.</exception>
    public static MarketSymbol Parse(string symbol)
    {
        var text = symbol.Trim().ToUpperInvariant();
        var parts = text.Split('/', '-');
        if (parts.Length == 2 && parts.All(IsAsset))
        {
            return new MarketSymbol(parts[0], parts[1]);
        }

        var quote = s_quotes.FirstOrDefault(q => text.Length > q.Length && text.EndsWith(q, StringComparison.Ordinal));
        return quote is not null && parts.Length == 1 && IsAsset(text[..^quote.Length])
            ? new MarketSymbol(text[..^quote.Length], quote)
            : throw new ProviderException(ProviderFailure.UnknownSymbol, "symbol", $"'{symbol}' is not a pair such as BTC/USDT.");
    }

    private static bool IsAsset(string part) => part.Length is > 0 and <= 20 && part.All(char.IsAsciiLetterOrDigit);
}

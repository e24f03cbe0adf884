using Microsoft.Extensions.Options;
using Zmarty.Worker.Clients;

namespace Zmarty.Worker.Ingestion;

/// <summary>
/// Cryptometer's market-wide trend, fetched at most once per <see cref="CryptometerOptions.MarketWideRefreshMinutes"/>
/// in this process and shared by every pair's ingestion: it takes no pair, so asking once per pair would spend the
/// budget on the same answer.
/// </summary>
public sealed class MarketTrendCache(IOptions<CryptometerOptions> options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _fetch = new(1, 1);
    private readonly TimeSpan _refresh = TimeSpan.FromMinutes(options.Value.MarketWideRefreshMinutes);
    private (DateTimeOffset FetchedAt, MarketTrend? Trend)? _last;

    /// <summary>The current reading; <c>Fetched</c> is true for the one caller that fetched it (and so stores it).</summary>
    public async Task<(MarketTrend? Trend, bool Fetched)> GetAsync(CryptometerClient client, CancellationToken cancellationToken)
    {
        await _fetch.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.FetchedAt < _refresh)
            {
                return (last.Trend, false);
            }

            var trend = await client.GetMarketTrendAsync(cancellationToken);
            _last = (time.GetUtcNow(), trend);
            return (trend, trend is not null);
        }
        finally
        {
            _fetch.Release();
        }
    }

    public void Dispose() => _fetch.Dispose();
}

using System.Globalization;

namespace Zmarty.Emulators.Market;

/// <summary>
/// Cryptometer's API as its reference and the owner's calling code show it, under <c>/cryptometer</c>: <c>api_key</c>
/// in the query, paths ending in <c>/</c>, the string-boolean envelope, ISO time stamps, <c>/ticker/</c> taking
/// <c>market_pair</c>, a market-wide <c>/trend-indicator-v3/</c> in percent, liquidations keyed by futures exchange,
/// refusals as <c>{"success":"false","error":...}</c> with HTTP 200, and the free plan's rate limit per key.
/// </summary>
internal static class CryptometerEmulator
{
    /// <summary>Bars one <c>/ohlcv/</c> answer holds: enough for EMA 200 with room to settle.</summary>
    public const int OhlcvBars = 500;

    /// <summary>The futures exchanges <c>/liquidation-data-v2/</c> reports, under these keys.</summary>
    public static readonly string[] LiquidationExchanges = ["binance_futures", "bybit", "okx", "bitmex"];

    public static void Map(IEndpointRouteBuilder routes, MarketWalk walk, MarketFaults faults, KeyRateLimit limit, TimeProvider time)
    {
        var api = routes.MapGroup("/cryptometer");
        var answer = new Answerer(faults, limit);

        api.MapGet("/ohlcv/", (HttpRequest request) => answer.Run(request.HttpContext, "ohlcv", ["e", "pair", "timeframe"], query =>
        {
            var bars = walk.Bars(Base(query["pair"]), query["timeframe"]!, time.GetUtcNow(), OhlcvBars);
            return bars.Select(b => new
            {
                timestamp = b.OpenTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                open = b.Open,
                high = b.High,
                low = b.Low,
                close = b.Close,
                volume = b.Volume,
                buy = b.Buy,
                sell = b.Volume - b.Buy,
            }).ToArray<object>();
        }));

        api.MapGet("/ls-ratio/", (HttpRequest request) => answer.Run(request.HttpContext, "ls-ratio", ["e", "pair", "timeframe"], query =>
        {
            // More longs after a rise: the crowd follows the price.
            var buy = 50 + (20 * Math.Tanh(Change(walk, Base(query["pair"]), query["timeframe"]!, time, 24) * 10));
            return [new { buy = Math.Round(buy, 2), sell = Math.Round(100 - buy, 2) }];
        }));

        // Market-wide: no pair, no exchange, no timeframe. Read off BTC's hourly walk, which leads the market.
        api.MapGet("/trend-indicator-v3/", (HttpRequest request) => answer.Run(request.HttpContext, "trend-indicator-v3", [], _ =>
        {
            var score = 50 + (50 * Math.Tanh(Change(walk, "BTC", "1h", time, 12) * 15));
            return [new
            {
                trend_score = Math.Round(score, 2),
                buy_pressure = Math.Round(score, 2),
                sell_pressure = Math.Round(100 - score, 2),
                timestamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            }];
        }));

        api.MapGet("/liquidation-data-v2/", (HttpRequest request) => answer.Run(
            request.HttpContext, "liquidation-data-v2", ["symbol"], query =>
        {
            var symbol = query["symbol"].ToString().ToUpperInvariant();
            var bars = walk.Bars(symbol, "1h", time.GetUtcNow(), 24);
            var fall = Math.Max(0, -(bars[^1].Close / bars[0].Open - 1));
            var rise = Math.Max(0, bars[^1].Close / bars[0].Open - 1);
            var volume = bars.Sum(b => b.Volume * b.Close);
            // A fall liquidates longs, a rise shorts; a little of each always happens.
            return [LiquidationExchanges.ToDictionary(name => name, object (name) => new
            {
                longs = Math.Round(volume * (0.001 + fall) * (0.5 + walk.Draw(symbol, name, 0)), 2),
                shorts = Math.Round(volume * (0.001 + rise) * (0.5 + walk.Draw(symbol, name, 1)), 2),
            })];
        }));

        api.MapGet("/ticker/", (HttpRequest request) => answer.Run(request.HttpContext, "ticker", ["e", "market_pair"], query =>
        {
            var bars = walk.Bars(Base(query["market_pair"]), "1h", time.GetUtcNow(), 24);
            return [new
            {
                last = bars[^1].Close,
                high = bars.Max(b => b.High),
                low = bars.Min(b => b.Low),
                volume_24 = bars.Sum(b => b.Volume),
                change_24h = Math.Round(((bars[^1].Close / bars[0].Open) - 1) * 100, 4),
            }];
        }));
    }

    /// <summary>The base asset of <c>BTC-USDT</c> or <c>BTCUSDT</c>: prices are per asset, whatever it is quoted in.</summary>
    private static string Base(string? pair)
    {
        var text = pair!.ToUpperInvariant();
        if (text.Contains('-', StringComparison.Ordinal))
        {
            return text.Split('-')[0];
        }

        var quote = s_quotes.FirstOrDefault(q => text.Length > q.Length && text.EndsWith(q, StringComparison.Ordinal));
        return quote is null ? text : text[..^quote.Length];
    }

    private static readonly string[] s_quotes = ["USDT", "USDC", "USD", "BTC", "ETH"];

    private static double Change(MarketWalk walk, string symbol, string timeframe, TimeProvider time, int bars)
    {
        var series = walk.Bars(symbol, timeframe, time.GetUtcNow(), bars);
        return (series[^1].Close / series[0].Open) - 1;
    }

    /// <summary>
    /// One answer: a refusal of a missing key, else the key's rate limit, else the fault a test set, else a refusal of a
    /// missing parameter, else the data. Every call with a key counts against its rate, whatever it is answered, as
    /// the Worker counts it; every call is recorded, as Cryptometer counts every call against the plan.
    /// </summary>
    private sealed class Answerer(MarketFaults faults, KeyRateLimit limit)
    {
        public async Task<IResult> Run(HttpContext http, string endpoint, string[] required, Func<IQueryCollection, object[]> data)
        {
            var query = http.Request.Query;
            var pair = query.TryGetValue("pair", out var p) ? p.ToString()
                : query.TryGetValue("market_pair", out var m) ? m.ToString()
                : null;
            var symbol = pair is not null ? Base(pair) : query["symbol"].ToString().ToUpperInvariant();
            var key = query["api_key"].ToString();
            (int Status, IResult Result)? result = string.IsNullOrWhiteSpace(key) ? Refusal("Invalid API key")
                : limit.TryAcquire(key) is { } retryAfter ? (429, new RetryAfter(retryAfter))
                : await FaultOrNull(faults.Take(endpoint, symbol), http.RequestAborted, Absence(endpoint));
            if (result is null)
            {
                var missing = required.Where(r => string.IsNullOrWhiteSpace(query[r])).ToList();
                result = missing.Count > 0 ? Refusal("Parameter is missing")
                    : query.ContainsKey("timeframe") && !MarketWalk.Timeframes.ContainsKey(query["timeframe"]!)
                        ? Refusal("Invalid timeframe")
                    : (200, Results.Json(new { success = "true", error = "false", data = data(query) }));
            }

            faults.Record(endpoint, symbol, result.Value.Status);
            return result.Value.Result;
        }

        private static (int Status, IResult Result) Refusal(string error) => (200, Results.Json(new { success = "false", error }));
    }

    /// <summary>How each endpoint says it has nothing: liquidations have their own words.</summary>
    private static string Absence(string endpoint) => endpoint == "liquidation-data-v2" ? "No Liquidation" : "No Data";

    /// <summary>What <paramref name="fault"/> answers instead, or null to answer normally (after a delay if slow).</summary>
    internal static async Task<(int Status, IResult Result)?> FaultOrNull(
        Fault? fault, CancellationToken cancellationToken, string absence = "No Data")
    {
        switch (fault?.Mode)
        {
            case FaultMode.Fail:
                return (500, Results.Json(new { success = "false", error = "Internal Server Error" }, statusCode: 500));
            case FaultMode.RateLimit:
                return (429, new RetryAfter(fault.RetryAfterSeconds));
            case FaultMode.NoData:
                return (200, Results.Json(new { success = "false", error = absence }));
            case FaultMode.Forbidden:
                return (403, Results.Json(new { success = "false", error = "Forbidden" }, statusCode: 403));
            case FaultMode.Refuse:
                return (200, Results.Json(new { success = "false", error = fault.Message }));
            case FaultMode.MissingTable:
                return (404, Results.Json(new
                {
                    code = "42P01",
                    details = (string?)null,
                    hint = (string?)null,
                    message = $"relation \"public.{fault.Endpoint}\" does not exist",
                }, statusCode: 404));
            case FaultMode.Slow:
                await Task.Delay(fault.DelayMilliseconds, cancellationToken);
                return null;
            default:
                return null;
        }
    }

    private sealed class RetryAfter(int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return httpContext.Response.WriteAsJsonAsync(new { success = "false", error = "Too Many Requests" });
        }
    }
}

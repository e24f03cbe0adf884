using System.Globalization;

namespace Zmarty.Emulators.Market;

/// <summary>
/// Cryptometer's API as docs/domain.md §4 describes it, under <c>/cryptometer</c>: <c>api_key</c> in the query, paths ending
/// in <c>/</c>, the string-boolean envelope, "No Data" for what it does not have, 403 for a bad parameter.
/// </summary>
internal static class CryptometerEmulator
{
    /// <summary>Bars one <c>/ohlcv/</c> answer holds: enough for EMA 200 with room to settle.</summary>
    public const int OhlcvBars = 500;

    public static void Map(IEndpointRouteBuilder routes, MarketWalk walk, MarketFaults faults, TimeProvider time)
    {
        var api = routes.MapGroup("/cryptometer");

        api.MapGet("/ohlcv/", (HttpRequest request) => Answer(request.HttpContext, faults, "ohlcv", ["e", "pair", "timeframe"], query =>
        {
            var bars = walk.Bars(Base(query["pair"]), query["timeframe"]!, time.GetUtcNow(), OhlcvBars);
            return bars.Select(b => new
            {
                timestamp = b.OpenTime.ToUnixTimeMilliseconds(),
                open = b.Open,
                high = b.High,
                low = b.Low,
                close = b.Close,
                volume = b.Volume,
                buy = b.Buy,
                sell = b.Volume - b.Buy,
            }).ToArray<object>();
        }));

        api.MapGet("/ls-ratio/", (HttpRequest request) => Answer(request.HttpContext, faults, "ls-ratio", ["e", "pair", "timeframe"], query =>
        {
            // More longs after a rise: the crowd follows the price.
            var buy = 50 + (20 * Math.Tanh(Change(walk, Base(query["pair"]), query["timeframe"]!, time, 24) * 10));
            return [new { buy = Math.Round(buy, 2), sell = Math.Round(100 - buy, 2) }];
        }));

        api.MapGet("/trend-indicator-v3/", (HttpRequest request) => Answer(request.HttpContext, faults, "trend-indicator-v3", ["e", "pair", "timeframe"], query =>
        {
            var change = Change(walk, Base(query["pair"]), query["timeframe"]!, time, 12);
            var score = 50 + (50 * Math.Tanh(change * 15));
            return [new
            {
                trend_score = Math.Round(score, 2),
                buy_pressure = Math.Round(score / 100, 4),
                sell_pressure = Math.Round(1 - (score / 100), 4),
                timestamp = time.GetUtcNow().ToUnixTimeMilliseconds(),
            }];
        }));

        api.MapGet("/liquidation-data-v2/", (HttpRequest request) => Answer(request.HttpContext, faults, "liquidation-data-v2", ["symbol"], query =>
        {
            var symbol = query["symbol"].ToString().ToUpperInvariant();
            var bars = walk.Bars(symbol, "1h", time.GetUtcNow(), 24);
            var fall = Math.Max(0, -(bars[^1].Close / bars[0].Open - 1));
            var rise = Math.Max(0, bars[^1].Close / bars[0].Open - 1);
            var volume = bars.Sum(b => b.Volume * b.Close);
            // A fall liquidates longs, a rise shorts; a little of each always happens.
            object Exchange(string name) => new
            {
                longs = Math.Round(volume * (0.001 + fall) * (0.5 + walk.Draw(symbol, name, 0)), 2),
                shorts = Math.Round(volume * (0.001 + rise) * (0.5 + walk.Draw(symbol, name, 1)), 2),
            };
            return [new Dictionary<string, object> { ["binance"] = Exchange("binance"), ["bybit"] = Exchange("bybit") }];
        }));

        api.MapGet("/ticker/", (HttpRequest request) => Answer(request.HttpContext, faults, "ticker", ["e", "pair"], query =>
        {
            var bars = walk.Bars(Base(query["pair"]), "1h", time.GetUtcNow(), 24);
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

    /// <summary>The base asset of <c>BTC-USDT</c>: prices are per asset, whatever it is quoted in.</summary>
    private static string Base(string? pair) => pair!.Split('-')[0].ToUpperInvariant();

    private static double Change(MarketWalk walk, string symbol, string timeframe, TimeProvider time, int bars)
    {
        var series = walk.Bars(symbol, timeframe, time.GetUtcNow(), bars);
        return (series[^1].Close / series[0].Open) - 1;
    }

    private static async Task<IResult> Answer(
        HttpContext http, MarketFaults faults, string endpoint, string[] required, Func<IQueryCollection, object[]> data)
    {
        var query = http.Request.Query;
        var symbol = query.TryGetValue("pair", out var pair) ? pair.ToString().Split('-')[0] : query["symbol"].ToString();
        var fault = faults.Take(endpoint, symbol);
        var result = await FaultOrNull(fault, http.RequestAborted);
        if (result is null)
        {
            var missing = required.Where(p => string.IsNullOrWhiteSpace(query[p])).ToList();
            if (string.IsNullOrWhiteSpace(query["api_key"]))
            {
                result = (403, Results.Json(new { success = "false", error = "Invalid API key" }, statusCode: 403));
            }
            else if (missing.Count > 0 || (query.ContainsKey("timeframe") && !MarketWalk.Timeframes.ContainsKey(query["timeframe"]!)))
            {
                var detail = missing.Count > 0 ? "Missing parameter: " + string.Join(", ", missing) : "Invalid timeframe: " + query["timeframe"];
                result = (403, Results.Json(new { success = "false", error = detail }, statusCode: 403));
            }
            else
            {
                result = (200, Results.Json(new { success = "true", error = "false", data = data(query) }));
            }
        }

        faults.Record(endpoint, symbol, result.Value.Status);
        return result.Value.Result;
    }

    /// <summary>What <paramref name="fault"/> answers instead, or null to answer normally (after a delay if slow).</summary>
    internal static async Task<(int Status, IResult Result)?> FaultOrNull(Fault? fault, CancellationToken cancellationToken)
    {
        switch (fault?.Mode)
        {
            case FaultMode.Fail:
                return (500, Results.Json(new { success = "false", error = "Internal Server Error" }, statusCode: 500));
            case FaultMode.RateLimit:
                return (429, new RetryAfter(fault.RetryAfterSeconds));
            case FaultMode.NoData:
                return (200, Results.Json(new { success = "false", error = "No Data" }));
            case FaultMode.Forbidden:
                return (403, Results.Json(new { success = "false", error = "Forbidden" }, statusCode: 403));
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

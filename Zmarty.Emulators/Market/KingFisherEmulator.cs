using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Zmarty.Emulators.Market;

/// <summary>
/// King Fisher's documented API under <c>/kingfisher</c>: a login that gives a bearer token, then
/// <c>POST /api/private/map/latest</c> answering an object keyed by cluster name, each <c>[prices[], strengths[]]</c>,
/// plus the cumulated short and long liquidation series. The clusters sit around the walk's current price.
/// </summary>
internal static class KingFisherEmulator
{
    public const string Endpoint = "kingfisher";

    private const int Clusters = 6;

    public sealed record Login([property: JsonPropertyName("api_key")] string? ApiKey);

    public sealed record MapRequest(string? Exchange, string? Pair, string? Type);

    public static void Map(IEndpointRouteBuilder routes, MarketWalk walk, MarketFaults faults, TimeProvider time)
    {
        var api = routes.MapGroup("/kingfisher/api");

        api.MapPost("/auth/login", (Login login) => string.IsNullOrWhiteSpace(login.ApiKey)
            ? Results.Json(new { error = "api_key is required" }, statusCode: 401)
            : Results.Json(new { token = Token(login.ApiKey) }));

        api.MapPost("/private/map/latest", async (HttpContext http, MapRequest request) =>
        {
            var symbol = request.Pair?.Split('-', '/')[0].ToUpperInvariant();
            var fault = faults.Take(Endpoint, symbol);
            var result = await CryptometerEmulator.FaultOrNull(fault, http.RequestAborted);
            if (result is null)
            {
                var token = http.Request.Headers.Authorization.ToString();
                result = !token.StartsWith("Bearer kf-", StringComparison.Ordinal)
                    ? (401, Results.Json(new { error = "missing or invalid bearer token" }, statusCode: 401))
                    : string.IsNullOrWhiteSpace(symbol) || string.IsNullOrWhiteSpace(request.Exchange)
                        ? (400, Results.Json(new { error = "exchange and pair are required" }, statusCode: 400))
                        : (200, Results.Json(LiquidationMap(walk, symbol, time.GetUtcNow())));
            }

            faults.Record(Endpoint, symbol, result.Value.Status);
            return result.Value.Result;
        });
    }

    private static string Token(string apiKey) => "kf-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)))[..32];

    /// <summary>Clusters alternately below (long liquidations) and above (short) the price, 1 % to 8 % away.</summary>
    private static Dictionary<string, object> LiquidationMap(MarketWalk walk, string symbol, DateTimeOffset now)
    {
        var price = walk.Price(symbol, now);
        var hour = now.ToUnixTimeSeconds() / 3600;
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        var shorts = new List<double[]>();
        var longs = new List<double[]>();
        for (var i = 0; i < Clusters; i++)
        {
            var side = i % 2 == 0 ? -1 : 1;
            var centre = price * (1 + (side * (0.01 + (0.07 * walk.Draw(symbol, "kf-distance", (hour * Clusters) + i)))));
            var prices = Enumerable.Range(-2, 5).Select(k => Math.Round(centre * (1 + (k * 0.001)), 8)).ToArray();
            var strength = walk.Draw(symbol, "kf-strength", (hour * Clusters) + i);
            var strengths = Enumerable.Range(-2, 5).Select(k => Math.Round(strength / (1 + Math.Abs(k)), 4)).ToArray();
            map[$"cluster_{i + 1}"] = new object[] { prices, strengths };
            (side < 0 ? longs : shorts).Add([Math.Round(centre, 8), Math.Round(strength * 1e6, 2)]);
        }

        map["cumulated_short_liquidations"] = shorts;
        map["cumulated_long_liquidations"] = longs;
        return map;
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Zmarty.Emulators.Market;

/// <summary>
/// King Fisher's clusters in both forms the Worker reads, under <c>/kingfisher</c>, around the walk's current price:
/// <list type="bullet">
/// <item>The owner's Supabase table <c>kf_clusters</c> (symbol, side above/below, price, size, notional, ts) served the
/// PostgREST way: <c>GET /rest/v1/kf_clusters</c> with <c>select</c>, <c>col=eq.value</c> filters, <c>order</c> and
/// <c>limit</c>; an <c>apikey</c> header is required, and an unknown column is refused as PostgREST refuses it.</item>
/// <item>The vendor's API: a login with user and password that gives a bearer token, then
/// <c>POST /api/private/map/latest</c> for a pair written <c>BTC/USDT</c> and a type <c>all_leverage</c> or
/// <c>high_leverage</c>, answering an object keyed by cluster name, each <c>[prices[], strengths[]]</c>.</item>
/// </list>
/// </summary>
internal static class KingFisherEmulator
{
    public const string Endpoint = "kingfisher";

    private const int Clusters = 6;

    private static readonly string[] s_columns = ["id", "symbol", "side", "price", "size", "notional", "ts"];

    public sealed record Credentials(string? Login, string? Password);

    public sealed record MapRequest(string? Pair, string? Type);

    public static void Map(IEndpointRouteBuilder routes, MarketWalk walk, MarketFaults faults, OwnerRiskTables risk, TimeProvider time)
    {
        // The emulators' /kingfisher/ stands for the owner's Supabase project: his clusters and his risk tables.
        routes.MapGet("/kingfisher/rest/v1/kf_clusters", (HttpRequest request) =>
            Answer(request.HttpContext, faults, Symbol(request),
                () => Postgrest.Answer(request, "kf_clusters", s_columns, Rows(walk, Symbol(request), time.GetUtcNow())), "kf_clusters"));
        routes.MapGet($"/kingfisher/rest/v1/{OwnerRiskTables.GridTable}", (HttpRequest request) =>
            Answer(request.HttpContext, faults, null,
                () => Postgrest.Answer(request, OwnerRiskTables.GridTable, OwnerRiskTables.GridColumns, risk.GridRows()),
                OwnerRiskTables.GridTable));
        routes.MapGet($"/kingfisher/rest/v1/{OwnerRiskTables.BandsTable}", (HttpRequest request) =>
            Answer(request.HttpContext, faults, null,
                () => Postgrest.Answer(request, OwnerRiskTables.BandsTable, OwnerRiskTables.BandColumns, risk.BandRows()),
                OwnerRiskTables.BandsTable));

        var api = routes.MapGroup("/kingfisher/api");
        api.MapPost("/auth/login", (Credentials login) =>
            string.IsNullOrWhiteSpace(login.Login) || string.IsNullOrWhiteSpace(login.Password)
            ? Results.Json(new { error = "login and password are required" }, statusCode: 401)
            : Results.Json(new { token = Token(login.Login + ":" + login.Password) }));

        api.MapPost("/private/map/latest", (HttpContext http, MapRequest request) =>
        {
            var parts = request.Pair?.Split('/');
            var symbol = parts is [{ Length: > 0 } b, { Length: > 0 }] ? b.ToUpperInvariant() : null;
            return Answer(http, faults, symbol, () =>
                !http.Request.Headers.Authorization.ToString().StartsWith("Bearer kf-", StringComparison.Ordinal)
                    ? (401, Results.Json(new { error = "missing or invalid bearer token" }, statusCode: 401))
                    : symbol is null
                        ? (400, Results.Json(new { error = "pair must be written BASE/QUOTE, e.g. BTC/USDT" }, statusCode: 400))
                        : request.Type is not ("all_leverage" or "high_leverage")
                            ? (400, Results.Json(new { error = "type must be all_leverage or high_leverage" }, statusCode: 400))
                            : (200, Results.Json(LiquidationMap(walk, symbol, time.GetUtcNow()))));
        });
    }

    /// <summary>
    /// The answer, or the fault set for <paramref name="table"/> by its name (one of the owner's tables alone), else for
    /// King Fisher as a whole.
    /// </summary>
    private static async Task<IResult> Answer(
        HttpContext http, MarketFaults faults, string? symbol, Func<(int Status, IResult Result)> answer, string? table = null)
    {
        var fault = (table is null ? null : faults.Take(table, symbol)) ?? faults.Take(Endpoint, symbol);
        var result = await CryptometerEmulator.FaultOrNull(fault, http.RequestAborted) ?? answer();
        faults.Record(Endpoint, symbol, result.Status);
        return result.Result;
    }

    private static string Symbol(HttpRequest request) => request.Query["symbol"].ToString().Replace("eq.", "", StringComparison.Ordinal);

    /// <summary>
    /// The rows the owner's module would have written for the symbol: this hour's map and the previous hour's, each
    /// cluster a row, alternately below (long liquidations) and above (short) the price, 1 % to 8 % away.
    /// </summary>
    private static List<IReadOnlyDictionary<string, object>> Rows(MarketWalk walk, string symbol, DateTimeOffset now)
    {
        var rows = new List<IReadOnlyDictionary<string, object>>();
        if (symbol.Length == 0)
        {
            return rows;
        }

        var hour = now.ToUnixTimeSeconds() / 3600;
        foreach (var mapHour in new[] { hour - 1, hour })
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(mapHour * 3600);
            var price = walk.Price(symbol.ToUpperInvariant(), at);
            foreach (var (centre, strength, below) in Centres(walk, symbol.ToUpperInvariant(), price, mapHour))
            {
                var notional = Math.Round(strength * 1e7, 2);
                rows.Add(new Dictionary<string, object>
                {
                    ["id"] = rows.Count + 1,
                    ["symbol"] = symbol,
                    ["side"] = below ? "below" : "above",
                    ["price"] = Math.Round(centre, 8),
                    ["size"] = notional > 5e6 ? "large" : notional > 2e6 ? "medium" : "small",
                    ["notional"] = notional,
                    ["ts"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture),
                });
            }
        }

        return rows;
    }

    private static IEnumerable<(double Centre, double Strength, bool Below)> Centres(
        MarketWalk walk, string symbol, double price, long hour)
    {
        for (var i = 0; i < Clusters; i++)
        {
            var side = i % 2 == 0 ? -1 : 1;
            var centre = price * (1 + (side * (0.01 + (0.07 * walk.Draw(symbol, "kf-distance", (hour * Clusters) + i)))));
            yield return (centre, walk.Draw(symbol, "kf-strength", (hour * Clusters) + i), side < 0);
        }
    }

    private static string Token(string credentials) =>
        "kf-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(credentials)))[..32];

    private static Dictionary<string, object> LiquidationMap(MarketWalk walk, string symbol, DateTimeOffset now)
    {
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        var shorts = new List<double[]>();
        var longs = new List<double[]>();
        var i = 0;
        foreach (var (centre, strength, below) in Centres(walk, symbol, walk.Price(symbol, now), now.ToUnixTimeSeconds() / 3600))
        {
            var prices = Enumerable.Range(-2, 5).Select(k => Math.Round(centre * (1 + (k * 0.001)), 8)).ToArray();
            var strengths = Enumerable.Range(-2, 5).Select(k => Math.Round(strength / (1 + Math.Abs(k)), 4)).ToArray();
            map[$"cluster_{++i}"] = new object[] { prices, strengths };
            (below ? longs : shorts).Add([Math.Round(centre, 8), Math.Round(strength * 1e6, 2)]);
        }

        map["cumulated_short_liquidations"] = shorts;
        map["cumulated_long_liquidations"] = longs;
        return map;
    }
}

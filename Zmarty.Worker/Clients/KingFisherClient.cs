using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Signals;

namespace Zmarty.Worker.Clients;

/// <summary>
/// King Fisher's liquidation map (docs/domain.md §4), parsed at this boundary into the clusters the product stores:
/// <c>{price, volume, side}</c>, long below the price, short above.
/// </summary>
public sealed class KingFisherClient(HttpClient http, IOptions<KingFisherOptions> options, KingFisherSession session)
{
    private const string Endpoint = "map/latest";

    private readonly KingFisherOptions _options = options.Value;

    /// <summary>The clusters of the latest map for the pair, each at its strength-weighted price.</summary>
    public async Task<IReadOnlyList<LiquidationCluster>> GetClustersAsync(MarketSymbol symbol, double price, CancellationToken cancellationToken)
    {
        var body = new { exchange = _options.Exchange, pair = symbol.Pair, type = _options.MapType };
        var token = await TokenAsync(renew: null, cancellationToken);
        var response = await PostMapAsync(body, token, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            // The token expired: log in again once; a second 401 is a bad key.
            response.Dispose();
            response = await PostMapAsync(body, await TokenAsync(renew: token, cancellationToken), cancellationToken);
        }

        using (response)
        {
            using var document = await ProviderEnvelope.ReadAsync(response, Endpoint, cancellationToken);
            return Parse(document.RootElement, price);
        }
    }

    /// <summary>Every property that is <c>[prices[], strengths[]]</c> is a cluster; the cumulated series are not.</summary>
    public static List<LiquidationCluster> Parse(JsonElement map, double price)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new ProviderException(ProviderFailure.Malformed, Endpoint, "the map is not an object");
        }

        List<LiquidationCluster> clusters = [];
        foreach (var property in map.EnumerateObject())
        {
            if (property.Name.StartsWith("cumulated", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2
                || value[0].ValueKind != JsonValueKind.Array || value[1].ValueKind != JsonValueKind.Array
                || value[0].GetArrayLength() != value[1].GetArrayLength())
            {
                throw new ProviderException(ProviderFailure.Malformed, Endpoint, $"cluster '{property.Name}' is not [prices[], strengths[]] of equal length");
            }

            var prices = value[0].EnumerateArray().Select(p => p.GetDouble()).ToList();
            var strengths = value[1].EnumerateArray().Select(s => s.GetDouble()).ToList();
            var volume = strengths.Sum();
            if (prices.Count == 0 || volume <= 0)
            {
                continue;
            }

            var centre = prices.Zip(strengths, (p, s) => p * s).Sum() / volume;
            clusters.Add(new LiquidationCluster(centre, volume, centre < price ? LiquidationSide.Long : LiquidationSide.Short));
        }

        clusters.Sort((a, b) => a.Price.CompareTo(b.Price));
        return clusters;
    }

    private Task<HttpResponseMessage> PostMapAsync(object body, string token, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/private/map/latest") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request, cancellationToken);
    }

    private Task<string> TokenAsync(string? renew, CancellationToken cancellationToken) =>
        session.TokenAsync(async ct =>
        {
            using var response = await http.PostAsJsonAsync("api/auth/login", new { api_key = _options.ApiKey }, ct);
            using var document = await ProviderEnvelope.ReadAsync(response, "login", ct);
            return document.RootElement.TryGetProperty("token", out var token) && token.GetString() is { Length: > 0 } value
                ? value
                : throw new ProviderException(ProviderFailure.Malformed, "login", "no token in the answer");
        }, renew, cancellationToken);
}

/// <summary>
/// The King Fisher bearer token, shared by every client instance of the process (typed clients are transient), so
/// the Worker logs in once and again only when the token it used was refused.
/// </summary>
public sealed class KingFisherSession : IDisposable
{
    private readonly SemaphoreSlim _login = new(1, 1);
    private string? _token;

    /// <summary>The token, from <paramref name="login"/> when there is none or when <paramref name="renew"/> is the one that was refused.</summary>
    public async Task<string> TokenAsync(Func<CancellationToken, Task<string>> login, string? renew, CancellationToken cancellationToken)
    {
        await _login.WaitAsync(cancellationToken);
        try
        {
            if (_token is null || _token == renew)
            {
                _token = await login(cancellationToken);
            }

            return _token;
        }
        finally
        {
            _login.Release();
        }
    }

    public void Dispose() => _login.Dispose();
}

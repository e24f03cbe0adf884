using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Signals;

namespace Zmarty.Worker.Clients;

/// <summary>
/// King Fisher's liquidation clusters (docs/pipeline.md, "King Fisher"), parsed at this boundary into what the product
/// stores: <c>{price, volume, side}</c>, long liquidations below the price, short above. Two sources:
/// <list type="bullet">
/// <item><see cref="ClusterSource.OwnerTable"/> (default): the owner reads King Fisher's map images with his own module
/// and keeps the clusters in a Supabase table; it is read through PostgREST, newest map first.</item>
/// <item><see cref="ClusterSource.VendorApi"/>: King Fisher's HTTP API, a login for a bearer token, then the latest map.</item>
/// </list>
/// </summary>
public sealed class KingFisherClient(
    HttpClient http, IOptions<KingFisherOptions> options, KingFisherSession session, TimeProvider time, ILogger<KingFisherClient> logger)
{
    private const string MapEndpoint = "map/latest";

    private readonly KingFisherOptions _options = options.Value;

    /// <summary>The clusters of the newest map for the pair; none when there is no recent map.</summary>
    public Task<IReadOnlyList<LiquidationCluster>> GetClustersAsync(
        MarketSymbol symbol, double price, CancellationToken cancellationToken) =>
        _options.Source == ClusterSource.OwnerTable
            ? FromOwnerTableAsync(symbol, price, cancellationToken)
            : FromVendorApiAsync(symbol, price, cancellationToken);

    /// <summary>
    /// The rows of the newest map in the owner's table: PostgREST's rows are a JSON array of objects keyed by column.
    /// Rows within <see cref="KingFisherOptions.SnapshotWindowMinutes"/> of the newest belong to its map; a row whose side
    /// is neither above nor below is placed by its price; a row without a volume is skipped.
    /// </summary>
    public static (List<LiquidationCluster> Clusters, DateTimeOffset? Newest) ParseTableRows(
        JsonElement rows, KingFisherOptions options, double price)
    {
        const string endpoint = "kf_clusters";
        if (rows.ValueKind != JsonValueKind.Array)
        {
            throw new ProviderException(ProviderFailure.Malformed, endpoint, "PostgREST did not answer an array of rows");
        }

        var dated = new List<(DateTimeOffset At, LiquidationCluster Cluster)>();
        foreach (var row in rows.EnumerateArray())
        {
            if (!row.TryGetProperty(options.TimeColumn, out var stamp) || !ProviderEnvelope.TryTime(stamp, out var at))
            {
                throw new ProviderException(
                    ProviderFailure.Malformed, endpoint, $"a row's '{options.TimeColumn}' is missing or not a time");
            }

            var clusterPrice = ProviderEnvelope.Required(row, options.PriceColumn, endpoint);
            if (ProviderEnvelope.Number(row, options.VolumeColumn) is not (> 0 and var volume))
            {
                continue;
            }

            var side = row.TryGetProperty(options.SideColumn, out var s) ? s.GetString() : null;
            var liquidated = string.Equals(side, options.AboveValue, StringComparison.OrdinalIgnoreCase) ? LiquidationSide.Short
                : string.Equals(side, options.BelowValue, StringComparison.OrdinalIgnoreCase) ? LiquidationSide.Long
                : clusterPrice < price ? LiquidationSide.Long : LiquidationSide.Short;
            dated.Add((at, new LiquidationCluster(clusterPrice, volume, liquidated)));
        }

        if (dated.Count == 0)
        {
            return ([], null);
        }

        var newest = dated.Max(d => d.At);
        var from = newest - TimeSpan.FromMinutes(options.SnapshotWindowMinutes);
        var clusters = dated.Where(d => d.At >= from).Select(d => d.Cluster).ToList();
        clusters.Sort((a, b) => a.Price.CompareTo(b.Price));
        return (clusters, newest);
    }

    /// <summary>Every property that is <c>[prices[], strengths[]]</c> is a cluster; the cumulated series are not.</summary>
    public static List<LiquidationCluster> ParseMap(JsonElement map, double price)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new ProviderException(ProviderFailure.Malformed, MapEndpoint, "the map is not an object");
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
                throw new ProviderException(ProviderFailure.Malformed, MapEndpoint,
                    $"cluster '{property.Name}' is not [prices[], strengths[]] of equal length");
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

    private async Task<IReadOnlyList<LiquidationCluster>> FromOwnerTableAsync(
        MarketSymbol symbol, double price, CancellationToken cancellationToken)
    {
        var o = _options;
        string[] wanted = [o.SideColumn, o.PriceColumn, o.VolumeColumn, o.TimeColumn];
        var columns = string.Join(',', wanted.Distinct(StringComparer.Ordinal));
        var query = $"select={columns}&{o.SymbolColumn}=eq.{Uri.EscapeDataString(o.TableSymbol(symbol))}"
            + $"&order={o.TimeColumn}.desc&limit={o.RowLimit}";
        using var document = await OwnerSupabase.GetRowsAsync(http, o.ApiKey, o.Table, query, cancellationToken);
        var (clusters, newest) = ParseTableRows(document.RootElement, o, price);
        if (newest is { } at && at < time.GetUtcNow() - TimeSpan.FromHours(o.MaxAgeHours))
        {
            ProviderLog.ClustersTooOld(logger, symbol.Pair, at, o.MaxAgeHours);
            return [];
        }

        return clusters;
    }

    private async Task<IReadOnlyList<LiquidationCluster>> FromVendorApiAsync(
        MarketSymbol symbol, double price, CancellationToken cancellationToken)
    {
        var body = new { pair = $"{symbol.Base}/{symbol.Quote}", type = _options.MapType };
        var token = await TokenAsync(renew: null, cancellationToken);
        var response = await PostMapAsync(body, token, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            // The token expired: log in again once; a second 401 is bad credentials.
            response.Dispose();
            response = await PostMapAsync(body, await TokenAsync(renew: token, cancellationToken), cancellationToken);
        }

        using (response)
        {
            using var document = await ProviderEnvelope.ReadAsync(response, MapEndpoint, cancellationToken);
            return ParseMap(document.RootElement, price);
        }
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
            var credentials = new { login = _options.Login, password = _options.Password };
            using var response = await http.PostAsJsonAsync("api/auth/login", credentials, ct);
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

using System.Net.Http.Headers;
using System.Text.Json;

namespace Zmarty.Worker.Clients;

/// <summary>
/// The owner's Supabase project as the Worker reads it: PostgREST over the King Fisher source settings, and the rules
/// his table and column names and his symbol spelling follow.
/// </summary>
public static class OwnerSupabase
{
    /// <summary>GETs <c>rest/v1/{table}?{query}</c> with the key as <c>apikey</c> and bearer, as PostgREST wants it.</summary>
    public static async Task<JsonDocument> GetRowsAsync(
        HttpClient http, string apiKey, string table, string query, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"rest/v1/{table}?{query}");
        request.Headers.Add("apikey", apiKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await http.SendAsync(request, cancellationToken);
        return await ProviderEnvelope.ReadAsync(response, table, cancellationToken);
    }

    /// <summary>A pair as a table names it: <c>{base}</c> and <c>{quote}</c> in <paramref name="format"/> replaced.</summary>
    public static string Symbol(string format, MarketSymbol symbol) =>
        format.Replace("{base}", symbol.Base, StringComparison.Ordinal).Replace("{quote}", symbol.Quote, StringComparison.Ordinal);

    /// <summary>Table and column names go into URLs unquoted: letters, digits and _ only.</summary>
    public static bool ArePlainIdentifiers(IEnumerable<string> names) =>
        names.All(n => !string.IsNullOrWhiteSpace(n) && n.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'));
}

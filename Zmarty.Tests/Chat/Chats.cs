using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Zmarty.Api.Credits;

namespace Zmarty.Tests.Chat;

/// <summary>Calling POST /chat as the owner's frontend does, and reading its JSON or SSE reply.</summary>
internal static class Chats
{
    public static readonly CreditPricing Pricing = new(new CreditPricingOptions());

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(
        HttpClient api, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<(HttpResponseMessage Response, List<JsonElement> Events)> StreamAsync(
        HttpClient api, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = new List<JsonElement>();
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var text = await response.Content.ReadAsStringAsync();
            events.Add(JsonDocument.Parse(text).RootElement.Clone());
            return (response, events);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
            }
        }

        return (response, events);
    }

    public static string Type(this JsonElement e) => e.GetProperty("type").GetString()!;

    public static int Int(this JsonElement e, params string[] path) =>
        path.Aggregate(e, (current, name) => current.GetProperty(name)).GetInt32();

    public static string Str(this JsonElement e, params string[] path) =>
        path.Aggregate(e, (current, name) => current.GetProperty(name)).GetString()!;

    /// <summary>What the usage in <paramref name="reply"/> costs at <paramref name="provider"/>'s rates.</summary>
    public static int ExpectedCost(string provider, JsonElement usage, bool voice = false) =>
        Pricing.ForChat(provider, usage.Int("input_tokens"), usage.Int("output_tokens"), voice);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; for effects that finish after the response.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}

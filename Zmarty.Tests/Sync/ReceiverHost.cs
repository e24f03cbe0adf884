using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zmarty.Api.Webhooks;
using Zmarty.Tests.Database;
using Zmarty.Webhooks;

namespace Zmarty.Tests.Sync;

/// <summary>
/// The Api's webhook receiver, registered and mapped as Zmarty.Api does it, served over real HTTP on
/// a free port in the test process against the fixture's databases, with the secrets a test chooses.
/// </summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReceiverHost(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static async Task<ReceiverHost> StartAsync(
        DatabaseFixture db, string secret, string? previousSecret = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:chat"] = db.App.GetConnectionString("chat"),
            ["ConnectionStrings:trading"] = db.App.GetConnectionString("trading"),
            ["Webhooks:Secret"] = secret,
            ["Webhooks:PreviousSecret"] = previousSecret,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddKeyedNpgsqlDataSource("chat");
        builder.AddKeyedNpgsqlDataSource("trading");
        builder.AddWebhooks();
        var app = builder.Build();
        app.MapWebhooksApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new(app, new Uri(address));
    }

    /// <summary>Posts <paramref name="body"/> as the relay does, signed with <paramref name="secrets"/> (none: no signature header).</summary>
    public async Task<HttpResponseMessage> PostAsync(string body, string id, long timestamp, params string[] secrets)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/watchers-upsert")
        {
            Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Add(StandardWebhooks.IdHeader, id);
        request.Headers.Add(StandardWebhooks.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        if (secrets.Length > 0)
        {
            request.Headers.Add(StandardWebhooks.SignatureHeader, string.Join(' ', secrets.Select(secret =>
                StandardWebhooks.TryParseSecret(secret, out var key) ? StandardWebhooks.Sign(key, id, timestamp, bytes) : throw new ArgumentException(secret))));
        }

        return await Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string body, params string[] secrets) =>
        PostAsync(body, Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), secrets);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Outbox payloads as A's trigger writes them (docs/database.md, "Outbox").</summary>
internal static class Payload
{
    public static string Row(Guid user, string symbol, string timeframe, long version, bool active = true, string strategy = "{}") =>
        $$"""{"id": 1, "user_id": "{{user}}", "symbol": "{{symbol}}", "timeframe": "{{timeframe}}", "strategy": {{strategy}}, "active": {{(active ? "true" : "false")}}, "created_at": "2026-11-25T08:00:00+00:00", "updated_at": "2026-11-25T08:00:00+00:00", "version": {{version}}}""";

    public static string Change(string type, string? record, string? oldRecord, long version) =>
        $$"""{"type": "{{type}}", "table": "user_symbols", "schema": "public", "record": {{record ?? "null"}}, "old_record": {{oldRecord ?? "null"}}, "version": {{version}}}""";

    public static string Insert(Guid user, string symbol, long version, bool active = true, string strategy = "{}", string timeframe = "1h") =>
        Change("INSERT", Row(user, symbol, timeframe, version, active, strategy), null, version);

    public static string Update(Guid user, string symbol, long version, bool active = true, string strategy = "{}", string timeframe = "1h") =>
        Change("UPDATE", Row(user, symbol, timeframe, version, active, strategy), Row(user, symbol, timeframe, version - 1), version);

    public static string Delete(Guid user, string symbol, long version, string timeframe = "1h") =>
        Change("DELETE", null, Row(user, symbol, timeframe, version - 1), version);

    /// <summary>Several changes in one delivery, as the relay batches them.</summary>
    public static string Batch(params string[] changes) => $$"""{"type": "BATCH", "events": [{{string.Join(", ", changes)}}]}""";

    /// <summary>A symbol no other test uses, so queue and watcher checks see only this test's rows.</summary>
    public static string UniqueSymbol() => "T" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)) + "/USDT";

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}

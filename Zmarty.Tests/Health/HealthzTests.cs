using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Net;
using System.Text.Json;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Health;

[Collection(AppHostCollection.Name)]
public sealed class HealthzTests
{
    private static readonly string[] s_providers = ["grok", "gpt", "claude", "elevenlabs"];

    [Fact]
    public async Task Healthy_with_everything_up_then_503_while_a_database_is_down_and_healthy_again_after()
    {
        // Uncached, so each request sees the database it has just stopped (HealthzReporterTests covers the cache).
        await using var app = await StartAsync(b => b.GetResource<ProjectResource>("api")
            .WithEnvironment("Health__ProbeInterval", "00:00:01")
            .WithEnvironment("Health__CacheFor", "00:00:00"));
        using var api = app.CreateHttpClient("api");

        var (status, body) = await WaitForProvidersAsync(api);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("uptime_seconds").GetInt64() >= 0);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        Assert.True(body.TryGetProperty("timestamp", out _));
        var services = body.GetProperty("services");
        foreach (var name in (string[])["supabase_a", "supabase_b", .. s_providers])
        {
            Assert.Equal("ok", services.GetProperty(name).GetProperty("status").GetString());
            Assert.True(services.GetProperty(name).GetProperty("latency_ms").GetDouble() >= 0);
        }

        var queues = body.GetProperty("queues");
        Assert.Equal(["compute_signals", "compute_winrate", "ingest_indicators"], queues.EnumerateObject().Select(q => q.Name));
        Assert.Equal(0, queues.GetProperty("ingest_indicators").GetProperty("depth").GetInt64());
        Assert.Equal(0, queues.GetProperty("ingest_indicators").GetProperty("processing").GetInt64());

        await app.StopResourceAsync("supabase-a");
        (status, body) = await GetAsync(api);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        var a = body.GetProperty("services").GetProperty("supabase_a");
        Assert.Equal("error", a.GetProperty("status").GetString());
        Assert.Equal("unreachable", a.GetProperty("error").GetString());
        Assert.Equal("ok", body.GetProperty("services").GetProperty("supabase_b").GetProperty("status").GetString());
        Assert.Equal(3, body.GetProperty("queues").EnumerateObject().Count());

        await app.StartResourceAsync("supabase-a");
        (status, body) = await GetAsync(api);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_provider_unreachable_a_refused_key_or_a_retired_model_is_an_error_that_says_which_and_makes_it_degraded()
    {
        // A port nothing listens on: picked free, then released.
        var closed = Ports.PickFree().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var app = await StartAsync(b =>
        {
            var xai = ReferenceExpression.Create($"{b.GetResource<ProjectResource>("emulators").GetEndpoint("http")}/xai/v1");
            b.GetResource<ProjectResource>("api")
                .WithEnvironment("Health__ProbeInterval", "00:00:01")
                .WithEnvironment("Chat__Providers__gpt__Endpoint", $"http://127.0.0.1:{closed}/v1")
                .WithEnvironment("Chat__Providers__grok__Endpoint", xai)
                .WithEnvironment("Chat__Providers__grok__ApiKey", "xai-revoked-key")
                .WithEnvironment("Chat__Providers__claude__Model", "claude-3-5-haiku-latest");
        });
        using var api = app.CreateHttpClient("api");

        var (status, body) = await WaitForProvidersAsync(api);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        var services = body.GetProperty("services");
        var gpt = services.GetProperty("gpt");
        Assert.Equal("error", gpt.GetProperty("status").GetString());
        Assert.StartsWith("unreachable", gpt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(gpt.GetProperty("latency_ms").GetDouble() >= 0);
        Assert.Equal("the key was refused (HTTP 401)", services.GetProperty("grok").GetProperty("error").GetString());
        Assert.Equal("model 'claude-3-5-haiku-latest' not found (HTTP 404)",
            services.GetProperty("claude").GetProperty("error").GetString());
        Assert.Equal("ok", services.GetProperty("elevenlabs").GetProperty("status").GetString());

        // The Api's warning about each reaches ops.error_log through the error sink.
        await using var trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        const string warnings = """
            select count(*) from ops.error_log
            where service = 'api' and level = 'warning' and message like 'Provider % fails its health probe%'
            """;
        while (await Sql.ScalarAsync<long>(trading, warnings) < 3)
        {
            await Task.Delay(100, giveUp.Token);
        }
    }

    private static Task<TestSystem> StartAsync(Action<IDistributedApplicationTestingBuilder> configure) =>
        TestSystem.StartAsync(b =>
        {
            b.RemoveResource("worker");
            b.RemoveResource("admin");
            configure(b);
        });

    /// <summary>/healthz once the background probe has reported on every provider.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> WaitForProvidersAsync(HttpClient api)
    {
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var (status, body) = await GetAsync(api);
            if (s_providers.All(p => body.GetProperty("services").GetProperty(p).GetProperty("status").GetString() != "unknown"))
            {
                return (status, body);
            }

            await Task.Delay(200, giveUp.Token);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient api)
    {
        using var response = await api.GetAsync("/healthz");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

}

using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;

namespace Zmarty.Tests.Chat;

/// <summary>
/// The whole system (both databases, the emulators and the services) started once for every chat,
/// auth, user-data and emulator test. The only place these tests start the AppHost.
/// </summary>
public class ChatSystemFixture : IAsyncLifetime
{
    private TestSystem? _app;
    private NpgsqlDataSource? _chat;
    private NpgsqlDataSource? _trading;

    public TestSystem App => _app ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>Supabase A as the superuser.</summary>
    public NpgsqlDataSource Chat => _chat ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>Supabase B as the superuser.</summary>
    public NpgsqlDataSource Trading => _trading ?? throw new InvalidOperationException("The fixture is not started.");

    public Uri ApiUrl => App.GetEndpoint("api");

    public Uri EmulatorsUrl => App.GetEndpoint("emulators");

    public string JwtSecret => App.GetParameterValue("jwt-secret");

    /// <summary>The issuer the Api expects: what local Supabase tokens carry.</summary>
    public static string Issuer => DevTokens.LocalIssuer;

    public async Task InitializeAsync()
    {
        _app = await TestSystem.StartAsync(builder =>
        {
            // Chat reads what B holds; a worker would fill it from the emulators and change what a test expects.
            builder.RemoveResource("worker");
            var api = builder.GetResource<ProjectResource>("api");
            // The emulators serve a Supabase JWKS, so the asymmetric-key paths are tested too.
            api.WithEnvironment(
                "Supabase__JwksUrl",
                builder.GetResource<ProjectResource>("emulators").EndpointUrl("/supabase/auth/v1/.well-known/jwks.json"));
            // Tests stall providers on purpose; a short timeout keeps them quick, yet leaves room for a cold,
            // loaded machine (the first streamed call JIT-compiles the SDK's stream reader).
            api.WithEnvironment("Chat__Router__Timeout", "00:00:05");
            api.WithEnvironment("Credits__ReleaseExpiredEvery", "00:00:01");
            // ChargingTests streams a reply past this limit.
            api.WithEnvironment("Chat__MaxReplyDuration", "00:00:04");
            // RetentionTests waits for a pruning.
            api.WithEnvironment("Chat__Retention__PruneEvery", "00:00:01");
            // The rotation test presents a new key id right after the first fetch.
            api.WithEnvironment("Supabase__JwksUnknownKidInterval", "00:00:00");
            // BrowserAccessTests calls as the owner's frontend would.
            api.WithEnvironment("Browser__AllowedOrigins__0", BrowserOrigin);
            api.WithEnvironment("Browser__AllowedOriginPatterns__0", PreviewOrigins);
            ConfigureCircuitBreaker(api);
            ConfigureApi(api);
        });
        _chat = CreateDataSource(App.GetConnectionString("chat"));
        _trading = CreateDataSource(App.GetConnectionString("trading"));
    }

    /// <summary>
    /// Tests fail providers on purpose, many times; an open circuit would leak from one test into the
    /// next, so here it never opens. <see cref="CircuitBreakerTests"/> starts a system where it does.
    /// </summary>
    protected virtual void ConfigureCircuitBreaker(IResourceBuilder<ProjectResource> api) =>
        api.WithEnvironment("Chat__Router__MinimumThroughput", "1000000");

    /// <summary>A system's own settings for the Api, applied after the others.</summary>
    protected virtual void ConfigureApi(IResourceBuilder<ProjectResource> api)
    {
    }

    public async Task DisposeAsync()
    {
        if (_chat is not null)
        {
            await _chat.DisposeAsync();
        }

        if (_trading is not null)
        {
            await _trading.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>The deployed frontend's origin the Api is configured to let call it.</summary>
    public const string BrowserOrigin = "https://zmarty-frontend.example";

    /// <summary>The frontend's deploy previews, as Netlify names them.</summary>
    public const string PreviewOrigins = "https://deploy-preview-*--zmarty-frontend.netlify.app";

    public HttpClient CreateApiClient(string? accessToken = null)
    {
        var client = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        }

        return client;
    }

    public HttpClient CreateEmulatorsClient() => new() { BaseAddress = EmulatorsUrl };

    /// <summary>Every emulated provider back to normal, its counters and recorded requests cleared.</summary>
    public async Task ResetEmulatorsAsync()
    {
        using var client = CreateEmulatorsClient();
        (await client.DeleteAsync("/control")).EnsureSuccessStatusCode();
    }

    /// <summary>Sets an emulated provider's fault plan (<c>{mode, status, latency_ms, break_after, times, reply_tokens}</c>).</summary>
    public async Task SetFaultAsync(string vendor, object fault)
    {
        using var client = CreateEmulatorsClient();
        (await client.PutAsJsonAsync($"/control/{vendor}", fault)).EnsureSuccessStatusCode();
    }

    public async Task<long> ProviderCallsAsync(string vendor)
    {
        using var client = CreateEmulatorsClient();
        using var report = JsonDocument.Parse(await client.GetStringAsync($"/control/{vendor}"));
        return report.RootElement.GetProperty("calls").GetInt64();
    }

    public async Task<JsonElement> ProviderRequestsAsync(string vendor)
    {
        using var client = CreateEmulatorsClient();
        using var requests = JsonDocument.Parse(await client.GetStringAsync($"/control/{vendor}/requests"));
        return requests.RootElement.Clone();
    }

    /// <summary>A user signed up through auth.users (profile and the 100-credit bonus by trigger), with a tier and balance.</summary>
    public async Task<TestUser> CreateUserAsync(string tier = "free", int? balance = null)
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        var id = await DevTokens.EnsureUserAsync(App.GetConnectionString("chat"), email);
        await using (var update = Chat.CreateCommand("update public.user_profiles set tier = $2 where id = $1"))
        {
            update.Parameters.Add(new() { Value = id });
            update.Parameters.Add(new() { Value = tier });
            await update.ExecuteNonQueryAsync();
        }

        if (balance is { } wanted && wanted != 100)
        {
            await SetBalanceAsync(id, wanted);
        }

        var token = DevTokens.CreateAccessToken(JwtSecret, id, email, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        return new TestUser(id, email, token);
    }

    /// <summary>Moves the balance to <paramref name="balance"/> through a grant or a settled charge, so the ledger stays true.</summary>
    private async Task SetBalanceAsync(Guid user, int balance)
    {
        var delta = balance - 100;
        var requestId = $"test-setup:{Guid.NewGuid()}";
        if (delta > 0)
        {
            await ScalarAsync<object>(Chat, "select public.credits_grant($1, $2, 'topup', $3)::text", user, delta, requestId);
            return;
        }

        await ScalarAsync<object>(Chat, "select public.credits_hold($1, $2, $3)::text", user, -delta, requestId);
        await ScalarAsync<object>(Chat, "select public.credits_settle($1, $2, 'data')::text", requestId, -delta);
    }

    public async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql, params object[] args)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new() { Value = arg });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public Task<long> BalanceAsync(Guid user) =>
        ScalarAsync<long>(Chat, "select balance from public.credit_accounts where user_id = $1", user);

    public Task<long> LedgerChargesAsync(Guid user) =>
        ScalarAsync<long>(
            Chat, "select coalesce(-sum(delta), 0)::bigint from public.credits_ledger where user_id = $1 and kind = 'charge'", user);

    public Task<long> OpenHoldsAsync(Guid user) =>
        ScalarAsync<long>(Chat, "select count(*) from public.credit_holds where user_id = $1 and status = 'held'", user);

    private static NpgsqlDataSource CreateDataSource(string connectionString) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = true }.ConnectionString);
}

public sealed record TestUser(Guid Id, string Email, string Token);

[CollectionDefinition(Name)]
public sealed class ChatSystemCollection : ICollectionFixture<ChatSystemFixture>
{
    public const string Name = "ChatSystem";
}

/// <summary>A test of the running system that starts and ends with every emulated provider behaving.</summary>
public abstract class ChatSystemTest : IAsyncLifetime
{
    protected abstract ChatSystemFixture Running { get; }

    public Task InitializeAsync() => Running.ResetEmulatorsAsync();

    public Task DisposeAsync() => Running.ResetEmulatorsAsync();
}

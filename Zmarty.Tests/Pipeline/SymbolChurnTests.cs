using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Npgsql;
using Xunit.Abstractions;
using Zmarty.AppHost.Commands;
using Zmarty.Emulators.Market;
using Zmarty.Tests.AppHost;
using Zmarty.Testing;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// A user pausing and resuming a pair Cryptometer has no data for, through the Api, the outbox, the relay, the receiver
/// and the Worker: what it costs the shared Cryptometer key.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class SymbolChurnTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sixty_pause_resume_cycles_of_a_pair_without_data_cost_at_most_ten_cryptometer_calls()
    {
        // The Api's own per-user limits are lifted: what is measured is what B lets through.
        await using var system = await PipelineSystem.StartAsync(freeTier: true, configure: builder =>
            TestModel.GetResource<ProjectResource>(builder, "api")
                .WithEnvironment("Limits__UserData__RequestsPerMinute", "100000")
                .WithEnvironment("Limits__UserData__SymbolChangesPerMinute", "100000"));
        await system.FaultAsync(new Fault("ohlcv", FaultMode.NoData, Symbol: "NODATA"));
        await using var chat = NpgsqlDataSource.Create(system.App.GetConnectionString("chat"));
        var email = $"{Guid.NewGuid():N}@example.com";
        var user = await DevTokens.EnsureUserAsync(system.App.GetConnectionString("chat"), email);
        var token = DevTokens.CreateAccessToken(
            system.App.GetParameterValue("jwt-secret"), user, email, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var api = system.App.CreateHttpClient("api");
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);

        using var added = await api.PostAsJsonAsync("/me/symbols", new { symbol = "NODATA/USDT", timeframe = "1h" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var id = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        for (var cycle = 0; cycle < 60; cycle++)
        {
            foreach (var active in new[] { false, true })
            {
                using var change = await api.PatchAsJsonAsync($"/me/symbols/{id}", new { active });
                Assert.Equal(HttpStatusCode.OK, change.StatusCode);
            }

            // A user's pace, not a script's: the Worker keeps up, and each resume finds the last job done.
            await Task.Delay(100);
        }

        // Every change delivered to B, and every job it caused finished.
        await PipelineSystem.EventuallyAsync(async () => await Sql.ScalarAsync<long>(chat,
            "select count(*) from public.user_symbols_outbox where delivered_at is null") == 0 ? "" : null, "the outbox to drain");
        await PipelineSystem.EventuallyAsync(async () => await Sql.ScalarAsync<long>(system.Trading,
            "select count(*) from pgmq.q_ingest_indicators where message ->> 'symbol' = 'NODATA/USDT'") == 0 ? "" : null,
            "the pair's ingestion jobs to finish");

        var key = Assert.Single((await system.RateLimitAsync()).Keys, k => k.Key == LocalCommands.EmulatorKey);
        var jobs = await Sql.ScalarAsync<long>(system.Trading,
            "select count(distinct msg_id) from ops.job_runs where queue = 'ingest_indicators' and symbol = 'NODATA/USDT'");
        output.WriteLine($"60 cycles: {jobs} ingestion jobs, {key.Allowed + key.Refused} Cryptometer calls");
        Assert.True(await Sql.ScalarAsync<bool>(system.Trading,
            "select active from public.watchers where user_id = $1 and symbol = 'NODATA/USDT'", user));
        Assert.InRange(key.Allowed + key.Refused, 1, 10);
    }
}

using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Emulators.Market;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// The whole system for a pipeline test: B, the emulators and the Worker (settings of the test's choosing), with
/// helpers to enqueue jobs, set emulator faults, and wait for the runs <c>ops.job_runs</c> records.
/// </summary>
internal sealed class PipelineSystem : IAsyncDisposable
{
    /// <summary>Retries come quickly, so a three-attempt failure takes seconds, not minutes.</summary>
    private static readonly Dictionary<string, string> s_fastRetries = new(StringComparer.Ordinal)
    {
        ["Queues__RetryDelaySeconds"] = "1",
        ["Queues__PollIntervalMilliseconds"] = "100",
        ["Cryptometer__RetryDelayMilliseconds"] = "100",
        ["KingFisher__RetryDelayMilliseconds"] = "100",
    };

    private readonly HttpClient _emulators;

    private PipelineSystem(TestSystem app)
    {
        App = app;
        Trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        _emulators = app.CreateHttpClient("emulators");
    }

    public TestSystem App { get; }

    public NpgsqlDataSource Trading { get; }

    /// <summary>
    /// Starts the system with the Worker's <paramref name="settings"/> over the fast retries; <paramref name="configure"/>
    /// may change the model further. Cryptometer's rate limit (10 calls per 5 s) is lifted on both sides unless
    /// <paramref name="freeTier"/> keeps it, as on a free key. <paramref name="appHostArgs"/> are the AppHost's own
    /// settings (<c>--Worker:Replicas=3</c>).
    /// </summary>
    public static async Task<PipelineSystem> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, Action<IDistributedApplicationTestingBuilder>? configure = null,
        bool freeTier = false, string[]? appHostArgs = null)
    {
        var builder = await TestSystem.CreateBuilderAsync(appHostArgs ?? []);
        builder.RemoveResource("admin");
        var worker = builder.GetResource<ProjectResource>("worker");
        Dictionary<string, string> unlimited = freeTier ? [] : new() { ["Cryptometer__RequestsPerWindow"] = "0" };
        foreach (var (key, value) in s_fastRetries.Concat(unlimited).Concat(settings ?? new Dictionary<string, string>()))
        {
            worker.WithEnvironment(key, value);
        }

        if (!freeTier)
        {
            builder.GetResource<ProjectResource>("emulators").WithEnvironment("Market__RequestsPerWindow", "0");
        }

        configure?.Invoke(builder);
        var app = await TestSystem.StartAsync(builder);
        return new PipelineSystem(app);
    }

    public async Task<long> SendAsync(string queue, object message)
    {
        return await Sql.ScalarAsync<long>(Trading, "select pgmq.send($1, $2::jsonb)", queue, JsonSerializer.Serialize(message));
    }

    public async Task FaultAsync(Fault fault)
    {
        using var response = await _emulators.PostAsJsonAsync("/market/faults", fault, MarketJson.Options);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A symbol's grid and days per band as the emulated owner's Supabase serves them to the Worker.</summary>
    public async Task<(Zmarty.Trading.Risk.RiskGrid Grid, Zmarty.Trading.Risk.TimeInBands? Bands)> OwnerRiskTablesAsync(string symbol)
    {
        async Task<JsonElement> RowsAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("apikey", "owner-key");
            using var response = await _emulators.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var grid = await RowsAsync($"/kingfisher/rest/v1/cryptoverse_risk_grid?select=price_usd,fiat_risk&symbol=eq.{symbol}");
        var (parsed, refusal) = Zmarty.Trading.Risk.RiskGridCheck.Structure(
            [.. grid.EnumerateArray().Select(r =>
                new Zmarty.Trading.Risk.RiskGridPoint(r.GetProperty("price_usd").GetDouble(), r.GetProperty("fiat_risk").GetDouble()))]);
        var bands = (await RowsAsync($"/kingfisher/rest/v1/cryptoverse_risk_time_bands_v2?symbol=eq.{symbol}")).EnumerateArray()
            .Select(r => new Zmarty.Trading.Risk.TimeInBands(
                [.. Enumerable.Range(0, 10).Select(b => r.GetProperty($"band_{b * 10}_{(b + 1) * 10}").GetInt32())]))
            .SingleOrDefault();
        return (parsed ?? throw new InvalidOperationException($"The emulators' grid of {symbol} is refused: {refusal}"), bands);
    }

    /// <summary>Cryptometer's rate limit as the emulators apply it, with what each key was let through and refused.</summary>
    public async Task<RateLimitReport> RateLimitAsync() =>
        (await _emulators.GetFromJsonAsync<RateLimitReport>("/market/rate-limit", MarketJson.Options))!;

    /// <summary>
    /// How many running replicas the orchestrator has of <paramref name="resource"/> (a watch gives every current state first).
    /// </summary>
    public int RunningReplicas(string resource)
    {
        var running = new HashSet<string>(StringComparer.Ordinal);
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            foreach (var update in App.ResourceNotifications.WatchAsync(enough.Token).ToBlockingEnumerable(enough.Token))
            {
                if (update.Resource.Name == resource && update.Snapshot.State?.Text == KnownResourceStates.Running)
                {
                    running.Add(update.ResourceId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Every current state was given before the watch went quiet.
        }

        return running.Count;
    }

    public async Task<List<MarketCall>> AllCallsAsync() =>
        (await _emulators.GetFromJsonAsync<List<MarketCall>>("/market/calls", MarketJson.Options))!;

    public async Task<List<MarketCall>> CallsAsync(string endpoint, string symbol) =>
        [.. (await _emulators.GetFromJsonAsync<List<MarketCall>>("/market/calls", MarketJson.Options))!
            .Where(c => c.Endpoint == endpoint && string.Equals(c.Symbol, symbol, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The runs of message <paramref name="msgId"/>, oldest attempt first.</summary>
    public async Task<List<(int Attempt, string Outcome, string? Error)>> RunsAsync(string queue, long msgId)
    {
        await using var command = Sql.Command(Trading,
            "select attempt, outcome, error from ops.job_runs where queue = $1 and msg_id = $2 order by attempt", queue, msgId);
        await using var reader = await command.ExecuteReaderAsync();
        List<(int, string, string?)> runs = [];
        while (await reader.ReadAsync())
        {
            runs.Add((reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return runs;
    }

    /// <summary>
    /// Waits until message <paramref name="msgId"/> has a final run (succeeded, failed or archived), and returns its runs.
    /// </summary>
    public async Task<List<(int Attempt, string Outcome, string? Error)>> FinishedAsync(string queue, long msgId)
    {
        return await EventuallyAsync(async () =>
        {
            var runs = await RunsAsync(queue, msgId);
            return runs.Any(r => r.Outcome != "retrying") ? runs : null;
        }, $"{queue} message {msgId} to finish");
    }

    /// <summary>One run, on the first attempt, that succeeded (the error of any other is the failure message).</summary>
    public static void AssertSucceededOnce(List<(int Attempt, string Outcome, string? Error)> runs)
    {
        var run = Assert.Single(runs);
        Assert.True(run is (1, "succeeded", null), $"attempt {run.Attempt}: {run.Outcome}: {run.Error}");
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until it gives a value; the bound (<paramref name="limit"/>, else 2 minutes) only keeps a
    /// broken run from hanging.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? limit = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _emulators.Dispose();
        await Trading.DisposeAsync();
        await App.DisposeAsync();
    }
}

/// <summary>The emulators' control endpoints speak web JSON (camelCase, enums by name).</summary>
internal static class MarketJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}

using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;
using Zmarty.Tests.Chat;
using Zmarty.Tests.Reliability.Fuzzing;

namespace Zmarty.Tests.Reliability;

/// <summary>
/// Hostile input to every operation of the Api's OpenAPI document (docs/reliability.md, "The fuzzer"), as a dedicated
/// enterprise user with credits enough for every chat it starts. A run is about 1,500 requests, the same ones every time.
/// </summary>
public sealed class ApiFuzzTests(ApiFuzzTests.FuzzSystem system, ITestOutputHelper output)
    : ChatSystemTest, IClassFixture<ApiFuzzTests.FuzzSystem>
{
    /// <summary>
    /// The chat tests' system (no Worker, so B's watchers change only through the webhook receiver), started for the fuzzer
    /// alone: what it breaks, and the refusals it gets logged (sampled per reason, for a minute), stay out of other tests.
    /// </summary>
    public sealed class FuzzSystem : ChatSystemFixture
    {
        /// <summary>
        /// The /me limits lifted: a 429 answers before a handler reads what was sent, and the fuzzer is here to reach the
        /// handlers (the limits have tests of their own).
        /// </summary>
        protected override void ConfigureApi(IResourceBuilder<ProjectResource> api) => api
            .WithEnvironment("Limits__UserData__RequestsPerMinute", "1000000")
            .WithEnvironment("Limits__UserData__Concurrent", "1000")
            .WithEnvironment("Limits__UserData__SymbolChangesPerMinute", "1000000");
    }

    private const int Seed = 31;
    private const string ContextSymbol = "BTC/USDT";
    private const int Requests = 1_500;
    private const int MinimumRandomPairs = 100;

    /// <summary>Enough at once to keep both cores busy, few enough that no request waits long for a connection.</summary>
    private const int AtOnce = 6;

    /// <summary>Where every request and its answer are written, next to the test binaries.</summary>
    private const string ResultsFile = "fuzz-results.tsv";

    private static readonly int[] s_providerStatuses =
        [400, 401, 402, 403, 404, 405, 408, 409, 410, 413, 415, 418, 422, 429, 451, 500, 501, 502, 503, 504];

    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Hostile_input_to_every_operation_gets_no_server_error_and_leaves_credits_and_watchers_as_they_were()
    {
        var user = await system.CreateUserAsync("enterprise", balance: 100_000);
        using var api = system.CreateApiClient(user.Token);
        var operations = ApiDocument.Operations(await api.GetStringAsync("/openapi/v1.json"));
        await WatchAsync(api, ContextSymbol);
        var anonymous = await CreateAnonymousUserAsync();
        var examples = new ExampleRequests(user.Id, ContextSymbol, await WatchAsync(api, "SOL/USDT"), await WatchAsync(api, "XRP/USDT"));
        var plan = new FuzzPlan(examples, new FuzzCredentials(system.JwtSecret, user.Id, user.Token, anonymous));
        var hooks = new WebhookFuzz(examples, system.App.GetParameterValue("webhook-secret"));

        var forUsers = operations.Where(o => !o.IsWebhook).SelectMany(plan.Enumerate).ToList();
        var unsigned = operations.Where(o => o.IsWebhook).SelectMany(hooks.Unsigned).ToList();
        var signed = operations.Where(o => o.IsWebhook).SelectMany(plan.Enumerate).ToList();
        var providerRounds = ProviderRounds(plan, operations.Single(o => o.Name == "POST /chat")).ToList();
        var enumerated = forUsers.Count + unsigned.Count + signed.Count + providerRounds.Sum(r => r.Cases.Count);
        var pairs = plan.RandomPairs(operations, Math.Max(MinimumRandomPairs, Requests - enumerated), new Random(Seed)).ToList();
        forUsers.AddRange(pairs.Where(p => !p.Operation.IsWebhook));
        signed.AddRange(pairs.Where(p => p.Operation.IsWebhook));

        using var runner = new FuzzRunner(system.ApiUrl);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var results = new List<FuzzResult>(await runner.RunAsync(forUsers, AtOnce));
        var aftermath = new FuzzAftermath(system);
        var watchersBefore = await aftermath.WatchersAsync();
        var unsignedFrom = DateTimeOffset.UtcNow;
        // The trickling bodies all at once: they wait on the clock, not on the cores.
        var unsignedResults = await runner.RunAsync(unsigned, WebhookFuzz.SlowBodies);
        var unsignedTo = DateTimeOffset.UtcNow;
        var watchersAfter = await aftermath.WatchersAsync();
        results.AddRange(unsignedResults);
        // Signed now, so every timestamp is inside the receiver's window.
        results.AddRange(await runner.RunAsync([.. signed.Select(hooks.Signed)], AtOnce));
        results.AddRange(await RunProviderRoundsAsync(runner, providerRounds));
        clock.Stop();
        FuzzFindings.WriteAll(Path.Combine(AppContext.BaseDirectory, ResultsFile), results);

        var problems = new List<string>();
        var findings = results.SelectMany(FuzzFindings.Of).ToList();
        if (findings.Count > 0)
        {
            problems.Add($"{findings.Count} request(s) broke a rule:{Environment.NewLine}{FuzzFindings.Report(findings)}");
        }

        var untested = operations.Where(o => !results.Any(r => r.Case.Operation == o)).ToList();
        if (untested.Count > 0)
        {
            problems.Add($"No request reached {ApiDocument.Describe(untested)}.");
        }

        if (watchersBefore != watchersAfter)
        {
            problems.Add("B's watchers changed while only unsigned or badly signed webhooks were sent.");
        }

        // The signed deliveries and the provider rounds took seconds since: the error log's writer (every second) is done.
        problems.AddRange(await aftermath.ErrorLogFloodAsync(unsignedFrom, unsignedTo, unsignedResults));
        problems.AddRange(await FuzzAftermath.HealthAsync(api));
        problems.AddRange(await aftermath.CreditsAsync(user.Id, results));

        output.WriteLine($"{results.Count} requests over {operations.Count} operations in {clock.Elapsed.TotalSeconds:0} s (seed {Seed}).");
        output.WriteLine(FuzzFindings.Summary(results));
        output.WriteLine(await aftermath.ErrorLogSummaryAsync(started, DateTimeOffset.UtcNow));
        output.WriteLine(string.Join(Environment.NewLine + Environment.NewLine, problems));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, problems));
    }

    /// <summary>
    /// Valid chats while providers answer with each status in turn: Grok alone (the others answer), every model, or
    /// ElevenLabs under a voice reply.
    /// </summary>
    private static IEnumerable<(string[] Vendors, int Status, List<FuzzCase> Cases)> ProviderRounds(FuzzPlan plan, ApiOperation chat)
    {
        var failing = new (string Who, string[] Vendors, bool Voice)[]
        {
            ("Grok answers", ["xai"], false),
            ("every model answers", ["xai", "openai", "anthropic"], false),
            ("ElevenLabs answers", ["elevenlabs"], true),
        };
        return from status in s_providerStatuses
               from f in failing
               select (f.Vendors, status, plan.WhileProvidersAnswer(chat, f.Who, status, f.Voice).ToList());
    }

    /// <summary>One round at a time: the emulators' faults hold for every caller.</summary>
    private async Task<List<FuzzResult>> RunProviderRoundsAsync(
        FuzzRunner runner, IEnumerable<(string[] Vendors, int Status, List<FuzzCase> Cases)> rounds)
    {
        var results = new List<FuzzResult>();
        foreach (var (vendors, status, cases) in rounds)
        {
            foreach (var vendor in vendors)
            {
                await system.SetFaultAsync(vendor, new { mode = "fail", status });
            }

            results.AddRange(await runner.RunAsync(cases, AtOnce));
            await system.ResetEmulatorsAsync();
        }

        return results;
    }

    /// <summary>
    /// An anonymous sign-in (Supabase's <c>is_anonymous</c>): the signup trigger gives it a profile and the bonus. It
    /// watches the chats' context symbol, so the only thing wrong with its chat is who asks.
    /// </summary>
    private async Task<Guid> CreateAnonymousUserAsync()
    {
        var id = await system.ScalarAsync<Guid>(system.Chat, """
            insert into auth.users (id, is_anonymous, raw_app_meta_data, raw_user_meta_data)
            values (gen_random_uuid(), true, '{"provider":"anonymous","providers":["anonymous"]}', '{}')
            returning id
            """);
        await system.ScalarAsync<object>(system.Chat,
            "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, $2, '1h') returning id", id, ContextSymbol);
        return id;
    }

    private static async Task<long> WatchAsync(HttpClient api, string symbol)
    {
        using var response = await api.PostAsJsonAsync("/me/symbols", new { symbol, timeframe = "1h" });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetInt64();
    }
}

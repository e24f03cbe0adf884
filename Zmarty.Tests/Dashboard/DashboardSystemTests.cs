using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Testing;
using Zmarty.Tests.AppHost;
using static Microsoft.Playwright.Assertions;

namespace Zmarty.Tests.Dashboard;

/// <summary>
/// The whole system started with its developer dashboard: the services' telemetry arrives there
/// with no code change, and a developer sees resources, console output, logs and traces in a browser
/// (Debian's Chromium, driven by Playwright). Screenshots go to bin/.../screenshots (docs/ has copies).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DashboardSystemTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan s_telemetryArrives = TimeSpan.FromSeconds(30);
    private static readonly LocatorAssertionsToHaveTextOptions s_live = new() { Timeout = 60_000 };

    private DistributedApplication _app = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task StartAsync(Action<DistributedApplicationBuilder>? configure = null)
    {
        var builder = ZmartyTestingBuilder.Create(dashboard: true);
        configure?.Invoke(builder);
        _app = builder.Build();
        await _app.StartAsync();
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task A_request_to_api_is_one_trace_into_supabase_a_and_api_logs_carry_their_trace(string protocol)
    {
        await StartAsync(builder =>
        {
            if (protocol != "grpc")
            {
                // The AppHost points the services at OTLP/gRPC; this api is sent to the HTTP receiver instead.
                var http = builder.Resources.OfType<DashboardResource>().Single().OtlpHttp;
                http.Port = Ports.PickFree();
                builder.GetResource<ProjectResource>("api")
                    .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
                    .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{http.Port}");
            }
        });

        using var query = await LoggedInAsync();
        using var api = _app.CreateHttpClient("api");
        var chatPort = new Npgsql.NpgsqlConnectionStringBuilder(_app.GetConnectionString("chat")).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/healthz")).StatusCode);
        using var refused = await api.PostAsync("/hooks/watchers-upsert", JsonContent.Create(new { type = "INSERT" }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var healthz = await EventuallyAsync(query, "/api/telemetry/traces?resource=api&text=/healthz", rows => rows.GetArrayLength() > 0);
        // The server span and Npgsql's span of the query on A (naming A's port), in one trace.
        await EventuallyAsync(query, $"/api/telemetry/traces/{healthz[0].GetProperty("traceId").GetString()}", spans =>
            spans.EnumerateArray().Any(s => s.GetProperty("kind").GetString() == "server" && s.GetProperty("resource").GetString() == "api")
            && spans.EnumerateArray().Any(s => s.GetProperty("kind").GetString() == "client"
                && s.GetProperty("attributes").EnumerateArray().Any(a => a.GetProperty("value").GetString() == chatPort)));

        var logs = await EventuallyAsync(query, "/api/telemetry/logs?resource=api&level=Warning&text=Webhook refused", rows => rows.GetArrayLength() > 0);
        var traceId = logs[0].GetProperty("traceId").GetString();
        Assert.NotNull(traceId);
        // Logs and spans leave the service in separate batches: the span may come a moment later.
        await EventuallyAsync(query, $"/api/telemetry/traces/{traceId}", spans => spans.EnumerateArray()
            .Any(s => s.GetProperty("name").GetString()!.Contains("/hooks/watchers-upsert", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_developer_logs_in_sees_every_resource_restarts_api_live_and_opens_a_trace()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./zmarty test installs Debian's chromium package.");
        await StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 900 } });
        var dashboard = _app.GetEndpoint("dashboard").ToString().TrimEnd('/');

        // The printed link logs in and lands on the resources, every one running.
        await page.GotoAsync(_app.DashboardLoginUrl!.ToString());
        Assert.Equal($"{dashboard}/", page.Url);
        foreach (var resource in _app.Resources)
        {
            await Expect(State(page, resource.Name)).ToHaveTextAsync("running", s_live);
        }

        await ScreenshotAsync(page, "dashboard-resources");

        // Restarting api shows on the page as it happens: a new process, one restart, running again.
        var row = page.Locator("tr[data-resource=api]");
        var pidBefore = await row.Locator("td").Nth(4).InnerTextAsync();
        await page.GetByTestId("restart-api").ClickAsync();
        await Expect(row.Locator("td").Nth(6)).ToHaveTextAsync("1", s_live);
        await Expect(State(page, "api")).ToHaveTextAsync("running", s_live);
        Assert.NotEqual(pidBefore, await row.Locator("td").Nth(4).InnerTextAsync());
        Assert.Equal($"{dashboard}/", page.Url);

        // A request's trace, opened from the list: the waterfall has api's span and Npgsql's under it.
        using (var api = _app.CreateHttpClient("api"))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/healthz")).StatusCode);
        }

        await page.ClickAsync("nav >> text=Traces");
        await UntilShownAsync(() => page.GetByTestId("filter-text").FillAsync("/healthz"), page.GetByTestId("trace-row").First);
        await ScreenshotAsync(page, "dashboard-traces");
        await page.GetByTestId("trace-row").First.ClickAsync();
        await Expect(page.GetByTestId("waterfall")).ToContainTextAsync("postgres", new() { Timeout = 30_000 });
        // The page is prerendered: a click before its circuit connects is lost, so it is repeated until it shows.
        await UntilShownAsync(() => page.GetByTestId("span").First.ClickAsync(), page.GetByTestId("span-details"));
        await Expect(page.GetByTestId("span-details")).ToContainTextAsync("server");
        await ScreenshotAsync(page, "dashboard-trace");

        await page.ClickAsync("nav >> text=Structured");
        await Expect(page.GetByTestId("logs")).ToContainTextAsync("api", new() { Timeout = 30_000 });
        await ScreenshotAsync(page, "dashboard-structured-logs");

        // PostgreSQL's own log is on the console page.
        await page.GotoAsync($"{dashboard}/consolelogs/supabase-a");
        await Expect(page.GetByTestId("console")).ToContainTextAsync("database system is ready to accept connections", new() { Timeout = 30_000 });
        await ScreenshotAsync(page, "dashboard-console");

        await page.ClickAsync("nav >> text=Metrics");
        var instrument = page.Locator(".instrument >> text=http.server.request.duration");
        await UntilShownAsync(() => page.GetByTestId("filter-resource").SelectOptionAsync("api"), instrument);
        await instrument.ClickAsync();
        await Expect(page.GetByTestId("chart")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "dashboard-metrics");
    }

    /// <summary>
    /// Acts until <paramref name="shown"/> appears: a page is prerendered first, and what is typed or
    /// picked before its circuit is live is lost, so the action is repeated (a few times at most).
    /// </summary>
    private static async Task UntilShownAsync(Func<Task> act, ILocator shown)
    {
        for (var attempt = 1; ; attempt++)
        {
            await act();
            try
            {
                await Expect(shown).ToBeVisibleAsync(new() { Timeout = 10_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 6)
            {
            }
        }
    }

    private static ILocator State(IPage page, string resource) =>
        page.Locator($"tr[data-resource='{resource}'] [data-testid=state]");

    private async Task<HttpClient> LoggedInAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = _app.GetEndpoint("dashboard"),
        };
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(_app.DashboardLoginUrl)).StatusCode);
        return client;
    }

    /// <summary>Telemetry is exported in batches (every second locally): asks until the answer is there (a 404 is "not yet").</summary>
    private static async Task<JsonElement> EventuallyAsync(HttpClient query, string path, Func<JsonElement, bool> done)
    {
        using var timeout = new CancellationTokenSource(s_telemetryArrives);
        while (true)
        {
            using var response = await query.GetAsync(path, timeout.Token);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                var rows = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
                if (done(rows))
                {
                    return rows;
                }
            }

            await Task.Delay(250, timeout.Token);
        }
    }

    private static Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}

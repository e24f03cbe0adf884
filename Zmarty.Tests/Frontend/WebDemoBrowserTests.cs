using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zmarty.Testing;
using Zmarty.Tests.Chat;
using static Microsoft.Playwright.Assertions;

namespace Zmarty.Tests.Frontend;

/// <summary>
/// The reference page (clients/web-demo) served from its own origin, in Debian's Chromium, against the running Api on
/// another: every call crosses origins, so each goes through the Api's CORS policy (preflights included). Screenshots
/// of each step go to bin/.../screenshots (docs/screenshots has copies), so a test run leaves the tree as it was.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed partial class WebDemoBrowserTests(ChatSystemFixture system)
{
    private static readonly LocatorAssertionsToHaveTextOptions s_patient = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToContainTextOptions s_patientContains = new() { Timeout = 20_000 };

    [Fact]
    public async Task A_user_on_another_origin_chats_with_streamed_replies_hears_voice_and_manages_symbols_signals_and_history()
    {
        Browser.AssertInstalled();
        FrontendFiles.AssertClientBuilt();
        var user = await system.CreateUserAsync("pro");
        var symbol = await FrontendFiles.SeedSignalAsync(system);
        var api = system.ApiUrl.ToString().TrimEnd('/');
        await using var site = await StaticSite.StartAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Browser.Chromium,
            Headless = true,
            Args = ["--autoplay-policy=no-user-gesture-required"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 1000 } });
        var apiAnswers = new List<(string Method, string Url, int Status, string? AllowedOrigin)>();
        page.Response += (_, response) =>
        {
            if (response.Url.StartsWith(api, StringComparison.Ordinal))
            {
                lock (apiAnswers)
                {
                    apiAnswers.Add((response.Request.Method, response.Url, response.Status,
                        response.Headers.GetValueOrDefault("access-control-allow-origin")));
                }
            }
        };

        // Signs in with a token, as ./zmarty token prints one.
        await page.GotoAsync($"{site.Origin}/?api={Uri.EscapeDataString(api)}");
        await page.FillAsync("#token", user.Token);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await Expect(page.GetByTestId("account")).ToContainTextAsync("pro tier", s_patientContains);
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync(new Regex(@"^\d+$"), s_patient);
        var before = Number(await page.GetByTestId("balance").InnerTextAsync());

        // A streamed reply, and the balance down by exactly what done said.
        await page.FillAsync("#message", "How does BTC look?");
        await page.ClickAsync("#send");
        await Expect(page.GetByTestId("charge")).ToContainTextAsync("credits charged", s_patientContains);
        var charged = Number(Charged().Match(await page.GetByTestId("charge").InnerTextAsync()).Groups[1].Value);
        Assert.True(charged > 0);
        Assert.NotEmpty(await page.Locator("#transcript .turn.assistant").First.InnerTextAsync());
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync((before - charged).ToString(CultureInfo.InvariantCulture), s_patient);
        await Browser.ScreenshotAsync(page, "web-demo-chat");

        // A voice reply plays from its absolute, signed audio_url on the Api's origin.
        await page.CheckAsync("#voice");
        await page.FillAsync("#message", "Give me a short BTC update");
        await page.ClickAsync("#send");
        await Expect(page.GetByTestId("player")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await page.WaitForFunctionAsync("() => document.getElementById('player').readyState >= 2", null, new() { Timeout = 20_000 });
        var playing = await page.EvalOnSelectorAsync<string>("#player", "p => p.currentSrc");
        Assert.StartsWith(api + "/audio/", playing, StringComparison.Ordinal);
        await page.UncheckAsync("#voice");

        // Watches the seeded symbol, pauses and resumes it, reads its signal and win rate (a credit), then removes it.
        await page.FillAsync("#symbol", symbol);
        await page.SelectOptionAsync("#timeframe", "1h");
        await page.ClickAsync("#symbol-form button[type=submit]");
        var watched = page.GetByTestId($"symbol-{symbol}-1h");
        await Expect(watched).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await watched.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(page.GetByTestId($"symbol-{symbol}-1h")).ToContainTextAsync("(paused)", s_patientContains);
        await page.GetByTestId($"symbol-{symbol}-1h").GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(page.GetByTestId($"symbol-{symbol}-1h")).Not.ToContainTextAsync("(paused)", s_patientContains);
        await page.ClickAsync("#load-signals");
        var signals = page.GetByTestId("signals");
        await Expect(signals).ToContainTextAsync($"{symbol} 1h", s_patientContains);
        await Expect(signals).ToContainTextAsync("long", s_patientContains);
        await Expect(signals).ToContainTextAsync("62.5 % of 16", s_patientContains);
        await Expect(page.GetByTestId("ledger")).ToContainTextAsync("charge", s_patientContains);
        Assert.True(await page.Locator("#ledger-rows tr").CountAsync() >= 3, "the grant and at least two charges");
        await Browser.ScreenshotAsync(page, "web-demo-symbols-signals-history");
        await page.GetByTestId($"symbol-{symbol}-1h").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.GetByTestId("symbols").Locator("li")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        Assert.False(await page.GetByTestId("error").IsVisibleAsync(), await page.GetByTestId("error").InnerTextAsync());

        // Every answer the page read came through the CORS policy, to this page's origin.
        List<(string Method, string Url, int Status, string? AllowedOrigin)> answers;
        lock (apiAnswers)
        {
            answers = [.. apiAnswers];
        }

        Assert.Contains(answers, a => a is { Method: "POST", Status: 200 } && a.Url.EndsWith("/chat", StringComparison.Ordinal));
        Assert.Contains(answers, a => a.Method == "PATCH");
        Assert.All(answers.Where(a => !a.Url.Contains("/audio/", StringComparison.Ordinal)),
            a => Assert.Equal(site.Origin, a.AllowedOrigin));
    }

    private static int Number(string text) => int.Parse(text.Trim(), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(\d+) credits charged")]
    private static partial Regex Charged();

    /// <summary><c>clients/web-demo/serve.mjs</c> on a free port of 127.0.0.1: the page's own origin.</summary>
    private sealed class StaticSite(Process process, string origin) : IAsyncDisposable
    {
        public string Origin { get; } = origin;

        public static async Task<StaticSite> StartAsync()
        {
            var port = Ports.PickFree();
            var start = new ProcessStartInfo("node", ["serve.mjs", "--port", port.ToString(CultureInfo.InvariantCulture)])
            {
                WorkingDirectory = FrontendFiles.WebDemo,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var site = new StaticSite(Process.Start(start)!, $"http://127.0.0.1:{port}");
            using var http = new HttpClient();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    (await http.GetAsync(site.Origin + "/")).EnsureSuccessStatusCode();
                    return site;
                }
                catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(20))
                {
                    await Task.Delay(100);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}

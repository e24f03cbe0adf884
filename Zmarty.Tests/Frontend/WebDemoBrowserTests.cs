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

        // A link naming the Api: the page shows its address and takes it only once the user accepts it.
        await page.GotoAsync($"{site.Origin}/?api={Uri.EscapeDataString(api)}");
        await Expect(page.GetByTestId("api-confirm-origin")).ToHaveTextAsync(new Uri(api).GetLeftPart(UriPartial.Authority));
        await page.ClickAsync("#api-accept");
        await Expect(page.Locator("#api-url")).ToHaveValueAsync(api);

        // Signs in with a token, as ./zmarty token prints one.
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
        var firstInput = Number(InputTokens().Match(await page.GetByTestId("charge").InnerTextAsync()).Groups[1].Value);
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

        // Both questions went to one conversation; a new one empties the transcript, and the list takes the user back to
        // the first, whose turns return; the next answer is sent them, so its input tokens grow.
        await page.ClickAsync("#new-conversation");
        await Expect(page.Locator("#transcript .turn")).ToHaveCountAsync(0);
        var listed = page.GetByTestId("conversation-list").GetByRole(AriaRole.Button, new() { Name = "How does BTC look? (4)" });
        await listed.ClickAsync(new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("How does BTC look?", s_patient);
        await Expect(page.Locator("#transcript .turn.user").First).ToHaveTextAsync("How does BTC look?", s_patient);
        await page.FillAsync("#message", "and on the 4h?");
        await page.ClickAsync("#send");
        await Expect(page.GetByTestId("conversation-list")).ToContainTextAsync("How does BTC look? (6)", s_patientContains);
        var continuedInput = Number(InputTokens().Match(await page.GetByTestId("charge").InnerTextAsync()).Groups[1].Value);
        Assert.True(continuedInput > firstInput, $"{continuedInput} input tokens after {firstInput}");

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

    [Fact]
    public async Task A_link_naming_another_api_is_shown_and_taken_only_once_the_user_accepts_it()
    {
        Browser.AssertInstalled();
        FrontendFiles.AssertClientBuilt();
        await using var site = await StaticSite.StartAsync();
        // Nothing listens there: the page must not even try it unless told to.
        var trap = $"http://127.0.0.1:{Ports.PickFree()}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Browser.Chromium, Headless = true });
        var page = await browser.NewPageAsync();
        var toTrap = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(trap, StringComparison.Ordinal))
            {
                lock (toTrap)
                {
                    toTrap.Add(request.Url);
                }
            }
        };
        var link = $"{site.Origin}/?api={Uri.EscapeDataString(trap + "/")}";

        // Shown, not taken: the field keeps the page's own default, and signing in waits for an answer.
        await page.GotoAsync(link);
        var confirm = page.GetByTestId("api-confirm");
        await Expect(confirm).ToBeVisibleAsync();
        await Expect(page.GetByTestId("api-confirm-origin")).ToHaveTextAsync(trap);
        await Expect(page.Locator("#api-url")).ToHaveValueAsync("http://127.0.0.1:5100");
        await Expect(page.Locator("#sign-in-button")).ToBeDisabledAsync();
        Assert.DoesNotContain("api=", page.Url, StringComparison.Ordinal);

        // Refused: the default stays, and signing in is possible again.
        await page.ClickAsync("#api-reject");
        await Expect(confirm).ToBeHiddenAsync();
        await Expect(page.Locator("#api-url")).ToHaveValueAsync("http://127.0.0.1:5100");
        await Expect(page.Locator("#sign-in-button")).ToBeEnabledAsync();

        // Accepted: only then is the field the link's address.
        await page.GotoAsync(link);
        await page.ClickAsync("#api-accept");
        await Expect(page.Locator("#api-url")).ToHaveValueAsync(trap + "/");
        await Expect(page.Locator("#sign-in-button")).ToBeEnabledAsync();

        // An address that is no http(s) one is not offered at all.
        await page.GotoAsync($"{site.Origin}/?api={Uri.EscapeDataString("javascript:alert(1)")}");
        await Expect(page.GetByTestId("error")).ToContainTextAsync("not an http(s) address");
        await Expect(confirm).ToBeHiddenAsync();
        await Expect(page.Locator("#api-url")).ToHaveValueAsync("http://127.0.0.1:5100");

        lock (toTrap)
        {
            Assert.Empty(toTrap);
        }
    }

    private static int Number(string text) => int.Parse(text.Trim(), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(\d+) input tokens")]
    private static partial Regex InputTokens();

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

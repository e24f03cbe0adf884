using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Net;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Tests.AppHost;

namespace Zmarty.Tests.Admin;

/// <summary>The AdminUi process as the AppHost runs it, with the databases and nothing else.</summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class AdminAuthTests
{
    private const string Password = "correct-horse-battery-staple";
    private static readonly string[] s_pages = ["/", "/queues", "/cron", "/errors", "/pipeline"];

    [Fact]
    public async Task Without_the_cookie_pages_redirect_to_login_and_the_circuit_and_actions_answer_401()
    {
        await using var app = await StartAdminAsync();
        using var login = new AdminLogin(app.GetEndpoint("admin"));

        foreach (var page in s_pages)
        {
            using var response = await login.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal($"/login?ReturnUrl={Uri.EscapeDataString(page)}", response.Headers.Location!.PathAndQuery);
        }

        // Every action runs over the Blazor circuit; without the cookie none can be opened.
        using var negotiate = await login.Http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
        using var logout = await login.Http.PostAsync("/logout", null);
        Assert.Equal(HttpStatusCode.Unauthorized, logout.StatusCode);
        // The probes stay open.
        Assert.Equal(HttpStatusCode.OK, (await login.Http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task The_password_sets_a_secure_http_only_cookie_and_five_wrong_ones_slow_the_client_down()
    {
        await using var app = await StartAdminAsync();
        using var login = new AdminLogin(app.GetEndpoint("admin"));

        using (var ok = await login.PostPasswordAsync(Password, "/cron"))
        {
            Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
            Assert.Equal("/cron", ok.Headers.Location!.OriginalString.Replace(app.GetEndpoint("admin").ToString().TrimEnd('/'), "", StringComparison.Ordinal));
            var session = ok.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("zmarty-admin=", StringComparison.Ordinal));
            Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);

            foreach (var page in s_pages)
            {
                using var response = await login.GetAsync(page, AdminLogin.CookiesOf(ok));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await login.PostPasswordAsync("not-the-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("Wrong password.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(wrong.Headers.Contains("Set-Cookie") && AdminLogin.CookiesOf(wrong).Contains("zmarty-admin=", StringComparison.Ordinal));
        }

        // Even the right password waits now.
        using var throttled = await login.PostPasswordAsync(Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("zmarty-admin=", AdminLogin.CookiesOf(throttled), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Behind_a_known_proxy_the_throttle_counts_each_forwarded_client_and_a_trusted_browser_is_never_locked_out()
    {
        await using var app = await StartAdminAsync(admin => admin.WithEnvironment("Admin__KnownProxies__0", "127.0.0.1"));
        using var login = new AdminLogin(app.GetEndpoint("admin"));

        // The operator logged in once from this browser, behind the same proxy address the attacker uses.
        using var first = await login.PostPasswordAsync(Password, forwardedFor: "198.51.100.7");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var device = AdminLogin.CookiesOf(first).Split("; ").Single(c => c.StartsWith("zmarty-admin-device=", StringComparison.Ordinal));

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await login.PostPasswordAsync("guess-" + attempt, forwardedFor: "198.51.100.7");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var lockedOut = await login.PostPasswordAsync(Password, forwardedFor: "198.51.100.7");
        using var otherClient = await login.PostPasswordAsync(Password, forwardedFor: "198.51.100.8");
        using var trustedBrowser = await login.PostPasswordAsync(Password, forwardedFor: "198.51.100.7", cookie: device);
        using var forgedDevice = await login.PostPasswordAsync(
            Password, forwardedFor: "198.51.100.7", cookie: "zmarty-admin-device=forged");

        Assert.Equal(HttpStatusCode.TooManyRequests, lockedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, otherClient.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, trustedBrowser.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, forgedDevice.StatusCode);
    }

    private static Task<TestSystem> StartAdminAsync(Action<IResourceBuilder<ProjectResource>>? configure = null) =>
        TestSystem.StartAsync(b =>
        {
            foreach (var service in new[] { "worker", "api", "emulators" })
            {
                b.RemoveResource(service);
            }

            var admin = b.GetResource<ProjectResource>("admin").WithEnvironment("Admin__Password", Password);
            configure?.Invoke(admin);
        });
}

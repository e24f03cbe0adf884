using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zmarty.AdminUi.Auth;
using Zmarty.AdminUi.Components.Pages.Login;
using Zmarty.AdminUi.Components.Pages.Queues;
using Zmarty.AdminUi.Data;

namespace Zmarty.Tests.Admin;

public sealed class LoginThrottleTests
{
    [Fact]
    public void Five_wrong_passwords_lock_the_client_out_with_a_lockout_that_doubles_and_success_clears_it()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);

        for (var i = 0; i < 4; i++)
        {
            throttle.Failed("10.0.0.1");
            Assert.Null(throttle.RetryAfter("10.0.0.1"));
        }

        throttle.Failed("10.0.0.1");
        Assert.Equal(LoginThrottle.FirstLockout, throttle.RetryAfter("10.0.0.1"));
        Assert.Null(throttle.RetryAfter("10.0.0.2"));

        time.Advance(LoginThrottle.FirstLockout);
        Assert.Null(throttle.RetryAfter("10.0.0.1"));
        throttle.Failed("10.0.0.1");
        Assert.Equal(LoginThrottle.FirstLockout * 2, throttle.RetryAfter("10.0.0.1"));

        throttle.Succeeded("10.0.0.1");
        Assert.Null(throttle.RetryAfter("10.0.0.1"));
    }

    [Fact]
    public void Many_addresses_guess_no_faster_than_the_global_limit_and_a_trusted_device_is_exempt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var throttle = new LoginThrottle(time);
        for (var i = 0; i < LoginThrottle.GlobalFailuresPerMinute; i++)
        {
            Assert.Null(throttle.RetryAfter($"203.0.113.{i}"));
            throttle.Failed($"203.0.113.{i}");
        }

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.FromSeconds(40), throttle.RetryAfter("203.0.113.200"));
        Assert.Null(throttle.RetryAfter("device:operator", trustedDevice: true));

        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Null(throttle.RetryAfter("203.0.113.200"));
    }

    [Fact]
    public void The_lockout_stops_growing_at_the_maximum_and_failures_older_than_the_window_are_forgotten()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        for (var i = 0; i < 30; i++)
        {
            throttle.Failed("client");
        }

        Assert.Equal(LoginThrottle.MaxLockout, throttle.RetryAfter("client"));

        var other = new LoginThrottle(time);
        for (var i = 0; i < 4; i++)
        {
            other.Failed("client");
        }

        time.Advance(LoginThrottle.Window + TimeSpan.FromSeconds(1));
        other.Failed("client");
        Assert.Null(other.RetryAfter("client"));
    }

    [Fact]
    public void The_session_stamp_follows_the_password_without_revealing_it()
    {
        static AdminPassword For(string password) => new(Options.Create(new AdminOptions { Password = password }));

        Assert.Equal(For("first-password-123").Stamp, For("first-password-123").Stamp);
        Assert.NotEqual(For("first-password-123").Stamp, For("rotated-password-456").Stamp);
        Assert.DoesNotContain("first", For("first-password-123").Stamp, StringComparison.Ordinal);
        Assert.True(For("first-password-123").Matches("first-password-123"));
        Assert.False(For("first-password-123").Matches("first-password-12"));
        Assert.False(For("first-password-123").Matches(null));
    }

    [Theory]
    [InlineData("/cron", "/cron")]
    [InlineData("/errors?level=error", "/errors?level=error")]
    [InlineData(null, "/queues")]
    [InlineData("https://evil.example/", "/queues")]
    [InlineData("//evil.example/", "/queues")]
    [InlineData("/\\evil.example/", "/queues")]
    public void The_login_returns_only_to_a_page_of_this_site(string? returnUrl, string expected) =>
        Assert.Equal(expected, Login.LocalReturnUrl(returnUrl));
}

public sealed class DepthHistoryTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_rate_is_what_was_sent_minus_what_the_depth_grew_by_over_the_last_five_minutes()
    {
        var history = new DepthHistory(TimeSpan.FromHours(1));
        history.Add("q", new DepthSample(s_start, Depth: 10, TotalSent: 100));
        history.Add("q", new DepthSample(s_start.AddMinutes(10), Depth: 40, TotalSent: 200));
        history.Add("q", new DepthSample(s_start.AddMinutes(15), Depth: 20, TotalSent: 230));

        // Only the last five minutes: 30 sent, depth fell by 20, so 50 left in 5 minutes.
        Assert.Equal(10, DepthHistory.ProcessedPerMinute(history.Of("q")));
        Assert.Null(DepthHistory.ProcessedPerMinute([new DepthSample(s_start, 1, 1)]));
    }

    [Fact]
    public void Samples_older_than_the_window_are_dropped()
    {
        var history = new DepthHistory(TimeSpan.FromHours(1));
        history.Add("q", new DepthSample(s_start, 1, 1));
        history.Add("q", new DepthSample(s_start.AddMinutes(61), 2, 2));

        Assert.Equal([2L], history.Of("q").Select(s => s.Depth));
        Assert.Empty(history.Of("other"));
    }

    [Fact]
    public void The_chart_puts_the_newest_sample_at_the_right_edge_and_the_deepest_at_the_top()
    {
        var (points, max) = DepthChart.Plot(
            [new DepthSample(s_start, 0, 0), new DepthSample(s_start.AddMinutes(30), 5, 5), new DepthSample(s_start.AddMinutes(60), 10, 10)],
            TimeSpan.FromHours(1));

        Assert.Equal(10, max);
        Assert.Equal("0,100 300,52 600,4", points);
    }
}

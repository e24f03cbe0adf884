using System.Net;

namespace Zmarty.Tests.Startup;

/// <summary>
/// A bad setting stops the built service at start, before it touches a database, with a message that names the
/// configuration key. Each case runs the real service process with the setting in its environment.
/// </summary>
public sealed class OptionsAtStartTests
{
    [Theory]
    [InlineData("Trading__Signals__LongThreshold", "2", "Trading:Signals:LongThreshold is 2; it must be from -1 to 1.")]
    [InlineData("Trading__Signals__ShortThreshold", "0.7", "Trading:Signals:ShortThreshold is 0.7; it must not be above Trading:Signals:LongThreshold (0.6).")]
    [InlineData("Trading__Signals__ClusterRange", "0", "Trading:Signals:ClusterRange is 0; it must be above 0.")]
    [InlineData("Trading__Signals__RsiWeight", "-1", "Trading:Signals:RsiWeight is -1; a weight cannot be negative")]
    [InlineData("Trading__Signals__StopLossPercent", "two", "Failed to convert configuration value 'two' at 'Trading:Signals:StopLossPercent'")]
    [InlineData("Trading__Signals__LongTreshold", "0.5", "not found on the instance of Zmarty.Trading.Signals.SignalScoringOptions: 'LongTreshold'")]
    [InlineData("Trading__Doubling__MaxPositionPercent", "2", "Trading:Doubling:MaxPositionPercent is 2; it must be above Trading:Doubling:Stage1Percent (2)")]
    public async Task A_bad_trading_setting_stops_the_worker_at_start_naming_the_key(string variable, string value, string message) =>
        await AssertStopsAtStart("Zmarty.Worker", variable, value, message);

    [Theory]
    [InlineData("Credits__Pricing__VoiceSurcharge", "-5", "Credits:Pricing:VoiceSurcharge is -5; a price cannot be negative.")]
    [InlineData("Credits__Pricing__Providers__grok__OutputPer1K", "-1", "Credits:Pricing:Providers:grok:OutputPer1K is -1; a price cannot be negative.")]
    public async Task A_bad_credit_price_stops_the_api_at_start_naming_the_key(string variable, string value, string message) =>
        await AssertStopsAtStart("Zmarty.Api", variable, value, message);

    // These processes run in Production (no ASPNETCORE_ENVIRONMENT), where nothing may fall back to the emulators.
    [Theory]
    [InlineData("Chat__Providers__grok__ApiKey", "", "Chat:Providers:grok:ApiKey is not set; outside Development")]
    [InlineData("Voice__ApiKey", "", "Voice:ApiKey (ElevenLabs) is not set; outside Development")]
    [InlineData("Voice__LinkSecret", "too-short", "Voice:LinkSecret is 9 characters; it must be at least 32.")]
    [InlineData("Chat__MaxReplyDuration", "00:20:00", "it must be less than Credits:HoldLifetime")]
    public async Task A_missing_provider_key_or_unsafe_chat_setting_stops_the_api_in_production(
        string variable, string value, string message) =>
        await AssertStopsAtStart("Zmarty.Api", variable, value, message);

    [Fact]
    public async Task The_emulators_refuse_to_run_outside_development() =>
        await AssertStopsAtStart("Zmarty.Emulators", "Market__Seed", "1", "Zmarty.Emulators runs in Development only (this is Production)");

    // The control: the same start with a valid value passes validation and serves /alive. Its /health then does
    // reach for the database, which shows the probe the failing cases rely on does see a contact.
    [Theory]
    [InlineData("Zmarty.Worker", "Trading__Signals__LongThreshold", "0.7")]
    [InlineData("Zmarty.Api", "Credits__Pricing__VoiceSurcharge", "7")]
    public async Task The_same_start_with_a_valid_value_runs(string project, string variable, string value)
    {
        await using var service = ServiceProcess.Start(project, new Dictionary<string, string> { [variable] = value });
        using var http = new HttpClient { BaseAddress = await service.ListeningAsync() };

        using var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        Assert.True(alive.IsSuccessStatusCode, service.Output);
        // The Worker's queue consumers read B as soon as it runs; the Api touches its database on demand only.
        if (project != "Zmarty.Worker")
        {
            Assert.False(service.DatabaseWasContacted);
        }

        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.False(health.IsSuccessStatusCode);
        Assert.True(service.DatabaseWasContacted);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.NotFound)]
    [InlineData("true", HttpStatusCode.OK)]
    public async Task Outside_development_the_openapi_document_is_published_only_when_enabled(string? enabled, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string>();
        if (enabled is not null)
        {
            settings["OpenApi__Enabled"] = enabled;
        }

        await using var service = ServiceProcess.Start("Zmarty.Api", settings);
        using var http = new HttpClient { BaseAddress = await service.ListeningAsync() };

        using var document = await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(expected, document.StatusCode);
    }

    private static async Task AssertStopsAtStart(string project, string variable, string value, string message)
    {
        await using var service = ServiceProcess.Start(project, new Dictionary<string, string> { [variable] = value });

        var exitCode = await service.ExitCodeAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening on", service.Output, StringComparison.Ordinal);
        Assert.False(service.DatabaseWasContacted, "The service connected to its database before failing on its options.");
    }
}

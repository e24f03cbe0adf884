using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zmarty.ServiceDefaults.ErrorLog;

namespace Zmarty.Tests.ErrorLog;

/// <summary>
/// The sink's cap per category and message template, on a fake clock: what floods that anyone can cause without signing
/// in leave in <c>ops.error_log</c> (the rows the sink queues for the writer).
/// </summary>
public sealed class ErrorLogRateCapTests : IDisposable
{
    private const string LoginCategory = "Zmarty.AdminUi.Components.Pages.Login.Login";
    private const string WebhookCategory = "Zmarty.Api.Webhooks.WebhookReceiver";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 14, 0, 0, TimeSpan.Zero));
    private readonly ErrorLogSink _sink;
    private readonly ErrorLogLoggerProvider _provider;

    public ErrorLogRateCapTests()
    {
        _sink = new ErrorLogSink(Options.Create(new ErrorLogOptions()), _time);
        _provider = new ErrorLogLoggerProvider(_sink, "test", _time);
    }

    [Fact]
    public void Two_hundred_wrong_admin_passwords_add_at_most_twenty_rows_and_a_summary_counts_the_rest()
    {
        var login = _provider.CreateLogger(LoginCategory);

        // As the login answers them from many addresses: 30 wrong passwords count per minute, then every attempt is refused.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var client = $"198.51.100.{attempt}";
            if (attempt < 30)
            {
                login.LogWarning("Wrong admin password from {Client}", client);
            }
            else
            {
                login.LogWarning("Admin login from {Client} refused for {RetryAfterSeconds} s after repeated wrong passwords", client, 30);
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var during = Rows();
        _time.Advance(TimeSpan.FromMinutes(1));
        _sink.ReleaseSummaries();
        var rows = during.Concat(Rows()).ToList();

        Assert.InRange(rows.Count, 1, 20);
        // 5 of each kind, one sample of the 170 refusals, and one summary per kind: 13 rows for 200 attempts.
        Assert.Equal(13, rows.Count);
        var summaries = rows.Where(r => r.Properties.TryGetProperty("suppressed", out _)).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.Equal(200, rows.Count - summaries.Count + summaries.Sum(s => int.Parse(s.Properties.GetProperty("suppressed").GetString()!,
            System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains(summaries, s => s.Message.StartsWith("164 more \"Admin login from {Client} refused", StringComparison.Ordinal));
        Assert.Contains(summaries, s => s.Message.StartsWith("25 more \"Wrong admin password from {Client}\"", StringComparison.Ordinal));
        Assert.Single(rows, r => r.Properties.TryGetProperty("error_log_sample", out var n) && n.GetString() == "100");
        Assert.Equal(189, _sink.Suppressed);
    }

    [Fact]
    public void A_hundred_and_twenty_slow_webhook_bodies_add_seven_rows_carrying_six_of_the_senders_ids()
    {
        var receiver = _provider.CreateLogger(WebhookCategory);

        for (var i = 0; i < 120; i++)
        {
            receiver.LogWarning("Webhook {webhook_id} not applied within its {budget_ms} ms budget; answered 503", $"msg_junk_{i}", 1000);
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        _sink.ReleaseSummaries();
        var rows = Rows();

        Assert.Equal(7, rows.Count);
        Assert.Equal(6, rows.Count(r => r.Properties.TryGetProperty("webhook_id", out _)));
        Assert.StartsWith("114 more \"Webhook {webhook_id} not applied", rows[^1].Message, StringComparison.Ordinal);
        Assert.Equal("warning", rows[^1].Level);
    }

    [Fact]
    public void A_flood_of_one_kind_holds_back_no_other_kind_and_its_own_kind_writes_again_after_the_window()
    {
        var receiver = _provider.CreateLogger(WebhookCategory);
        var ingestion = _provider.CreateLogger("Zmarty.Worker.Ingestion");
        for (var i = 0; i < 50; i++)
        {
            receiver.LogWarning("Webhook {webhook_id} not applied within its {budget_ms} ms budget; answered 503", $"msg_{i}", 1000);
        }

        ingestion.LogError("Ingesting {Symbol} failed", "BTC/USDT");
        receiver.LogError("Webhook {webhook_id} not applied, Supabase B unavailable: {error}; answered 503", "msg_real", "timeout");
        var during = Rows();
        _time.Advance(TimeSpan.FromMinutes(1));
        receiver.LogWarning("Webhook {webhook_id} not applied within its {budget_ms} ms budget; answered 503", "msg_later", 1000);
        var after = Rows();

        Assert.Equal(7, during.Count);
        Assert.Contains(during, r => r.Message == "Ingesting BTC/USDT failed");
        Assert.Contains(during, r => r.Level == "error" && r.Message.Contains("msg_real", StringComparison.Ordinal));
        // The later entry closes the flood's window: its summary first, then the entry itself.
        Assert.Equal(2, after.Count);
        Assert.StartsWith("45 more", after[0].Message, StringComparison.Ordinal);
        Assert.Contains("msg_later", after[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kinds_past_the_tracked_number_share_one_cap_so_ever_new_messages_cannot_flood_either()
    {
        var careless = _provider.CreateLogger("Zmarty.Api.Careless");

        // An interpolated message is its own template: each is a new kind.
        for (var i = 0; i < ErrorLogRateCap.MaxKinds + 500; i++)
        {
#pragma warning disable CA2254 // the point of this test: a template that changes with every entry
            careless.LogWarning($"Something about {i}");
#pragma warning restore CA2254
        }

        // One row for each tracked kind; the other 500 share a cap: 5 rows, and a sample at every 100th over it.
        Assert.Equal(ErrorLogRateCap.MaxKinds + 5 + 4, Rows().Count);
    }

    public void Dispose()
    {
        _provider.Dispose();
        _sink.Dispose();
    }

    private List<Row> Rows()
    {
        var rows = new List<Row>();
        while (_sink.Reader.TryRead(out var entry))
        {
            rows.Add(new Row(entry.Level, entry.Message, JsonDocument.Parse(entry.Properties).RootElement.Clone()));
        }

        return rows;
    }

    private sealed record Row(string Level, string Message, JsonElement Properties);
}

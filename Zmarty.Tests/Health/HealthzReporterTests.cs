using Zmarty.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Api.Chat;
using Zmarty.Api.Health;
using Zmarty.Api.Voice;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Health;

/// <summary>The <c>/healthz</c> report against the real databases: computed once per cache period, described without driver text.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class HealthzReporterTests(DatabaseFixture db)
{
    [Fact]
    public async Task The_report_is_computed_once_per_cache_period_however_often_it_is_asked_for()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reporter = Create(db.Chat, time);

        var first = await reporter.GetAsync(CancellationToken.None);
        var burst = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => reporter.GetAsync(CancellationToken.None)));
        time.Advance(TimeSpan.FromSeconds(5));
        var later = await reporter.GetAsync(CancellationToken.None);

        Assert.True(first.DatabasesUp);
        Assert.All(burst, r => Assert.Same(first.Report, r.Report));
        Assert.NotSame(first.Report, later.Report);
        Assert.Equal("ok", later.Report.Services["supabase_a"].Status);
    }

    [Fact]
    public async Task A_database_that_cannot_be_reached_is_described_without_the_drivers_text()
    {
        var closed = Ports.PickFree();
        await using var nowhere = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={closed};Username=secret_user;Password=x;Database=chat");
        var reporter = Create(nowhere, TimeProvider.System);

        var (report, databasesUp) = await reporter.GetAsync(CancellationToken.None);

        Assert.False(databasesUp);
        Assert.Equal("unhealthy", report.Status);
        var a = report.Services["supabase_a"];
        Assert.Equal("unreachable", a.Error);
        Assert.Equal("ok", report.Services["supabase_b"].Status);
    }

    [Fact]
    public async Task A_refused_risk_grid_is_an_error_saying_why_and_makes_it_degraded()
    {
        var symbol = $"H{Guid.NewGuid():N}"[..8].ToUpperInvariant();
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.risk_grid_status (symbol, status, reason)
            values ($1, 'refused', '40 levels, not 41'), ($2, 'missing', 'no grid')
            """, symbol, symbol + "M");
        try
        {
            var (report, _) = await Create(db.Chat, TimeProvider.System).GetAsync(CancellationToken.None);

            Assert.Equal("degraded", report.Status);
            Assert.Equal("error", report.RiskGrids[symbol].Status);
            Assert.Equal("refused: 40 levels, not 41", report.RiskGrids[symbol].Error);
            Assert.False(report.RiskGrids.ContainsKey(symbol + "M"));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "delete from ops.risk_grid_status where symbol in ($1, $2)", symbol, symbol + "M");
        }
    }

    private HealthzReporter Create(NpgsqlDataSource chat, TimeProvider time)
    {
        var options = Options.Create(new HealthzOptions());
        var targets = ProbeTarget.From(new ChatOptions(), new VoiceOptions(), "http://127.0.0.1:9");
        var probe = new ProviderProbe(options, targets, time, NullLogger<ProviderProbe>.Instance);
        return new HealthzReporter(chat, db.Trading, probe, options, time);
    }
}

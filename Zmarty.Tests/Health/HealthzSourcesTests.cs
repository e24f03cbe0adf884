using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zmarty.Api.Chat;
using Zmarty.Api.Health;
using Zmarty.Api.Voice;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Health;

/// <summary><c>/healthz</c>'s <c>sources</c>: a secondary source the Worker found failing is an error saying what is left out.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class HealthzSourcesTests(DatabaseFixture db)
{
    [Fact]
    public async Task A_failing_secondary_source_is_an_error_saying_what_is_left_out_and_makes_it_degraded()
    {
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.source_status (source, status, reason) values
              ('risk_time_bands', 'failing', 'cryptoverse_risk_time_bands_v2: Rejected: HTTP 404'),
              ('kingfisher_clusters', 'ok', null)
            """);
        try
        {
            var options = Options.Create(new HealthzOptions());
            var probe = new ProviderProbe(options, ProbeTarget.From(new ChatOptions(), new VoiceOptions(), "http://127.0.0.1:9"),
                TimeProvider.System, NullLogger<ProviderProbe>.Instance);
            var (report, databasesUp) = await new HealthzReporter(db.Chat, db.Trading, probe, options, TimeProvider.System)
                .GetAsync(CancellationToken.None);

            Assert.True(databasesUp);
            Assert.Equal("degraded", report.Status);
            Assert.Equal("error", report.Sources["risk_time_bands"].Status);
            Assert.Equal(
                "risks are given without a time-in-band coefficient: cryptoverse_risk_time_bands_v2: Rejected: HTTP 404",
                report.Sources["risk_time_bands"].Error);
            Assert.Equal("ok", report.Sources["kingfisher_clusters"].Status);
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "delete from ops.source_status");
        }
    }
}

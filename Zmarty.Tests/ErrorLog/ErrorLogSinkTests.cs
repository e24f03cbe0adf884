using Zmarty.Testing;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zmarty.AppHost.Commands;
using Zmarty.ServiceDefaults.ErrorLog;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.ErrorLog;

/// <summary>The error sink in a host built as every service builds its own (AddServiceDefaults, then the trading data source).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ErrorLogSinkTests(DatabaseFixture db)
{
    [Fact]
    public async Task Warnings_and_errors_reach_the_error_log_with_service_trace_id_and_properties_and_information_does_not()
    {
        var service = "sink-" + Guid.NewGuid().ToString("N")[..8];
        using var host = await StartHostAsync(service, db.App.GetConnectionString("trading"));
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Zmarty.Worker.Ingestion");
        using var source = new ActivitySource("sink-test");
        using var listener = ListenTo(source);
        string traceId;

        using (var activity = source.StartActivity("ingest"))
        {
            traceId = activity!.TraceId.ToHexString();
            logger.LogInformation("Ingested {Symbol}", "BTC/USDT");
            logger.LogWarning("Cryptometer slow for {Symbol}", "ETH/USDT");
            logger.LogError(new HttpRequestException("403 (Forbidden)"), "Ingesting {Symbol} failed", "SOL/USDT");
        }

        var rows = await WaitForRowsAsync(service, 2);
        Assert.Equal(["warning Cryptometer slow for ETH/USDT", "error Ingesting SOL/USDT failed"], rows.Select(r => $"{r.Level} {r.Message}"));
        Assert.All(rows, r => Assert.Equal(traceId, r.TraceId));
        Assert.Null(rows[0].Exception);
        Assert.Contains("HttpRequestException: 403 (Forbidden)", rows[1].Exception, StringComparison.Ordinal);
        using var properties = JsonDocument.Parse(rows[1].Properties);
        Assert.Equal("SOL/USDT", properties.RootElement.GetProperty("Symbol").GetString());
        Assert.Equal("Zmarty.Worker.Ingestion", properties.RootElement.GetProperty("category").GetString());
        var sink = host.Services.GetRequiredService<ErrorLogSink>();
        Assert.Equal(2, sink.Written);
        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public async Task While_the_database_is_unreachable_logging_goes_on_and_what_cannot_be_written_is_dropped_and_counted()
    {
        using var host = await StartHostAsync(
            "sink-outage",
            $"Host=127.0.0.1;Port={Ports.PickFree()};Database=postgres;Username=postgres;Password=x;Timeout=2",
            capacity: 16);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Zmarty.Api.Chat");
        var sink = host.Services.GetRequiredService<ErrorLogSink>();

        // Far more than the sink holds: every call returns at once, whatever the writer is doing.
        for (var i = 0; i < 1_000; i++)
        {
            logger.LogError("Provider call {Attempt} failed", i);
        }

        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (sink.Dropped < 1_000)
        {
            await Task.Delay(50, giveUp.Token);
        }

        Assert.Equal(1_000, sink.Dropped);
        Assert.Equal(0, sink.Written);
    }

    private static async Task<IHost> StartHostAsync(string service, string trading, int? capacity = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration["ConnectionStrings:trading"] = trading;
        builder.Configuration["OTEL_SERVICE_NAME"] = service;
        builder.Configuration["ErrorLog:FlushInterval"] = "00:00:00.100";
        if (capacity is { } size)
        {
            builder.Configuration["ErrorLog:Capacity"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // The outage test logs one kind a thousand times to fill the queue: the cap per kind would stop them first.
            builder.Configuration["ErrorLog:RowsPerWindow"] = "1000000";
        }

        builder.AddServiceDefaults();
        builder.AddKeyedNpgsqlDataSource("trading");
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private async Task<List<Row>> WaitForRowsAsync(string service, int count)
    {
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var rows = new List<Row>();
            await using (var command = Sql.Command(db.Trading,
                "select level, message, exception, trace_id, properties::text from ops.error_log where service = $1 order by id", service))
            await using (var reader = await command.ExecuteReaderAsync(giveUp.Token))
            {
                while (await reader.ReadAsync(giveUp.Token))
                {
                    rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
                }
            }

            if (rows.Count >= count)
            {
                return rows;
            }

            await Task.Delay(50, giveUp.Token);
        }
    }

    private static ActivityListener ListenTo(ActivitySource source)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }


    private sealed record Row(string Level, string Message, string? Exception, string? TraceId, string Properties);
}

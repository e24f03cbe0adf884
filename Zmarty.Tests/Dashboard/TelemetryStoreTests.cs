using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zmarty.Dashboard;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Tests.Dashboard;

public sealed class TelemetryStoreTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static TelemetryStore Store(int spans = 100, int logs = 100, int points = 100) =>
        new(Options.Create(new DashboardOptions
        {
            Telemetry = new() { MaxSpansPerResource = spans, MaxLogRecordsPerResource = logs, MaxMetricPointsPerResource = points },
        }));

    private static SpanEntry Span(string trace, string id, string? parent, string resource, int startMs, int durationMs, bool error = false, string name = "work") =>
        new(trace, id, parent, name, "internal", resource, "test", s_start.AddMilliseconds(startMs), TimeSpan.FromMilliseconds(durationMs), error, null, [], []);

    [Fact]
    public void Two_hundred_thousand_spans_keep_the_newest_up_to_the_limit_count_the_rest_and_stay_in_bounded_memory()
    {
        const int Limit = 10_000;
        const int Pushed = 200_000;
        var store = Store(spans: Limit);
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < Pushed; i++)
        {
            store.AddSpans("api", [Span($"{i:x32}", $"{i:x16}", null, "api", i, 1, name: "GET /chat")]);
        }

        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        var kept = Assert.Single(store.Resources());
        Assert.Equal(Limit, kept.Spans);
        Assert.Equal(Pushed - Limit, kept.SpansDropped);
        // The oldest went first: what is left is the last 10,000 pushed.
        Assert.Equal($"{Pushed - 1:x32}", store.Traces(limit: 1)[0].TraceId);
        Assert.Empty(store.Trace($"{Pushed - Limit - 1:x32}"));
        Assert.NotEmpty(store.Trace($"{Pushed - Limit:x32}"));
        // A span here is a record, two 32/16-character ids and a name: under 1 KiB each, so the store
        // holds under 10 MiB however many were pushed (before the bound it would have held 20 times that).
        Assert.InRange(retained, 0, Limit * 1024L);
    }

    [Fact]
    public void Drops_are_counted_per_resource_and_kind()
    {
        var store = Store(spans: 2, logs: 3);
        for (var i = 0; i < 5; i++)
        {
            store.AddSpans("api", [Span("t", $"{i}", null, "api", i, 1)]);
            store.AddLogs("worker", [new LogEntry(s_start, "worker", "test", LogLevel.Information, $"line {i}", null, null, [])]);
        }

        var resources = store.Resources().ToDictionary(r => r.Resource);
        Assert.Equal((2, 3), (resources["api"].Spans, resources["api"].SpansDropped));
        Assert.Equal((0, 0), (resources["api"].Logs, resources["api"].LogsDropped));
        Assert.Equal((3, 2), (resources["worker"].Logs, resources["worker"].LogsDropped));
        Assert.Equal(["line 4", "line 3", "line 2"], store.Logs("worker").Select(l => l.Message));
    }

    [Fact]
    public void A_trace_is_assembled_from_every_resource_with_its_root_duration_and_errors()
    {
        var store = Store();
        store.AddSpans("worker", [Span("t1", "c", "b", "worker", 30, 40, error: true)]);
        store.AddSpans("api", [Span("t1", "a", null, "api", 0, 100, name: "POST /chat"), Span("t1", "b", "a", "api", 10, 20)]);
        store.AddSpans("api", [Span("t2", "x", null, "api", 200, 5)]);

        var trace = store.Traces(resource: "worker").Single();

        Assert.Equal("POST /chat", trace.Root.Name);
        Assert.Equal(["api", "worker"], trace.Resources);
        Assert.Equal(TimeSpan.FromMilliseconds(100), trace.Duration);
        Assert.Equal((3, 1), (trace.SpanCount, trace.ErrorCount));
        Assert.Equal(["a", "b", "c"], store.Trace("t1").Select(s => s.SpanId));
        Assert.Equal(["t2", "t1"], store.Traces().Select(t => t.TraceId));
    }

    [Fact]
    public void Logs_are_filtered_by_resource_level_and_text_newest_first()
    {
        var store = Store();
        store.AddLogs("api", [
            new LogEntry(s_start, "api", "s", LogLevel.Debug, "cache miss", null, null, []),
            new LogEntry(s_start.AddSeconds(1), "api", "s", LogLevel.Warning, "slow provider", null, null, [new TelemetryAttribute("provider", "grok")]),
            new LogEntry(s_start.AddSeconds(2), "api", "s", LogLevel.Error, "all providers failed", null, null, []),
        ]);
        store.AddLogs("worker", [new LogEntry(s_start, "worker", "s", LogLevel.Error, "provider down", null, null, [])]);

        Assert.Equal(["all providers failed", "slow provider"], store.Logs("api", LogLevel.Warning).Select(l => l.Message));
        Assert.Equal(["slow provider"], store.Logs(text: "GROK").Select(l => l.Message));
        Assert.Equal(4, store.Logs().Count);
    }

    [Theory]
    [InlineData("http://0.0.0.0:18889", "loopback")]
    [InlineData("http://10.1.2.3:18889", "loopback")]
    [InlineData("https://127.0.0.1:18889", "an http URL")]
    [InlineData("127.0.0.1:18889", "an http URL")]
    public void An_otlp_address_off_loopback_or_not_http_is_refused_at_start(string url, string expected)
    {
        var options = new DashboardOptions
        {
            BrowserToken = new string('t', 32),
            Otlp = new() { GrpcUrl = url, HttpUrl = "http://127.0.0.1:18890" },
        };

        var result = new DashboardOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Dashboard:Otlp:GrpcUrl", result.FailureMessage, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.Playwright;
using Zmarty.AppHost.Testing;
using Zmarty.Benchmarks.Database;
using Zmarty.Dashboard.Otlp.Proto;
using Zmarty.Dashboard.Otlp.Proto.Collector.Logs;
using Zmarty.Dashboard.Otlp.Proto.Collector.Trace;

namespace Zmarty.Benchmarks.Dashboard;

/// <summary>
/// <c>dashboard [seconds] [senders]</c>: how many spans and log records a second the developer
/// dashboard takes over OTLP/HTTP (protobuf, batches of 512, as the SDK's batch processor sends),
/// from several senders at once, while a real Chromium page shows its live Traces page.
/// </summary>
internal static class OtlpIngestionRate
{
    private const int BatchSize = 512;
    private const int Resources = 4;
    private const string Chromium = "/usr/bin/chromium";

    public static bool Handles(string[] args) => args is ["dashboard", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var senders = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        Console.WriteLine($"Starting the dashboard alone ({Environment.ProcessorCount} cores visible); load average {DatabaseBenchmarks.LoadAverage()}");
        var builder = ZmartyTestingBuilder.Create(dashboard: true).WithDashboardOnly();
        var dashboard = builder.Resources.OfType<Zmarty.AppHost.Model.DashboardResource>().Single();
        await using var app = builder.Build();
        await app.StartAsync();
        var pid = app.Resources.Single(r => r.Name == "dashboard").ProcessId!.Value;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(app.DashboardLoginUrl!.ToString());
        await page.GotoAsync(new Uri(app.GetEndpoint("dashboard"), "/traces").ToString());

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{dashboard.OtlpHttp.Port}"),
        };
        Console.WriteLine($"{senders} senders, batches of {BatchSize}, {seconds} s per kind, a Chromium page open on /traces.");
        Console.WriteLine();
        Console.WriteLine("| kind | items/s | batches/s | dashboard CPU | dashboard RSS after | load avg |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        await MeasureAsync("spans", http, "/v1/traces", i => SpanBatch(i).ToByteArray(), seconds, senders, pid);
        await MeasureAsync("log records", http, "/v1/logs", i => LogBatch(i).ToByteArray(), seconds, senders, pid);
        Console.WriteLine();
        Console.WriteLine(
            $"Peak RSS of the dashboard: {ProcessStats.PeakMegabytes(pid):F0} MB (default limits: 10,000 spans and 10,000 log records per resource; {Resources} resources).");
        return 0;
    }

    private static async Task MeasureAsync(string kind, HttpClient http, string path, Func<int, byte[]> batch, int seconds, int senders, int pid)
    {
        // A few distinct bodies, so the dashboard parses real variety rather than one cached buffer.
        var bodies = Enumerable.Range(0, 16).Select(batch).ToArray();
        var cpu = ProcessStats.CpuSeconds(pid);
        var clock = Stopwatch.StartNew();
        var accepted = 0L;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            var i = sender;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                using var content = new ByteArrayContent(bodies[i++ % bodies.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                using var response = await http.PostAsync(path, content);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        })));
        var wall = clock.Elapsed.TotalSeconds;
        var share = (ProcessStats.CpuSeconds(pid) - cpu) / wall;
        var rss = ProcessStats.Megabytes(pid);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {kind} | {accepted * BatchSize / wall:N0} | {accepted / wall:N0} | {share * 100:F0} % of one core | {rss:F0} MB | {DatabaseBenchmarks.LoadAverage()} |"));
    }

    /// <summary>512 spans of HTTP-server shape (a dozen attributes each), spread over the resources.</summary>
    private static ExportTraceServiceRequest SpanBatch(int seed)
    {
        var random = new Random(seed);
        var request = new ExportTraceServiceRequest();
        for (var r = 0; r < Resources; r++)
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore" } };
            for (var i = 0; i < BatchSize / Resources; i++)
            {
                var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL;
                var span = new Span
                {
                    TraceId = ByteString.CopyFrom(RandomBytes(random, 16)),
                    SpanId = ByteString.CopyFrom(RandomBytes(random, 8)),
                    Name = "POST /chat",
                    Kind = Span.Types.SpanKind.Server,
                    StartTimeUnixNano = start,
                    EndTimeUnixNano = start + (ulong)random.Next(1_000_000, 50_000_000),
                };
                span.Attributes.Add(Text("http.request.method", "POST"));
                span.Attributes.Add(Text("url.path", "/chat"));
                span.Attributes.Add(Text("http.route", "/chat"));
                span.Attributes.Add(Text("server.address", "127.0.0.1"));
                span.Attributes.Add(Text("network.protocol.version", "1.1"));
                span.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 200 } });
                span.Attributes.Add(Text("user_agent.original", "zmarty-benchmark"));
                scope.Spans.Add(span);
            }

            var resourceSpans = new ResourceSpans { Resource = new Resource() };
            resourceSpans.Resource.Attributes.Add(Text("service.name", $"bench-{r}"));
            resourceSpans.ScopeSpans.Add(scope);
            request.ResourceSpans.Add(resourceSpans);
        }

        return request;
    }

    /// <summary>512 log records like the services' (a formatted message, its template and two values).</summary>
    private static ExportLogsServiceRequest LogBatch(int seed)
    {
        var random = new Random(seed);
        var request = new ExportLogsServiceRequest();
        for (var r = 0; r < Resources; r++)
        {
            var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "Zmarty.Api.Chat.ChatService" } };
            for (var i = 0; i < BatchSize / Resources; i++)
            {
                var record = new LogRecord
                {
                    TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL,
                    SeverityNumber = SeverityNumber.Info,
                    Body = new AnyValue { StringValue = $"Chat answered by grok in {random.Next(5, 900)} ms for user {random.Next()}" },
                    TraceId = ByteString.CopyFrom(RandomBytes(random, 16)),
                    SpanId = ByteString.CopyFrom(RandomBytes(random, 8)),
                };
                record.Attributes.Add(Text("{OriginalFormat}", "Chat answered by {provider} in {duration_ms} ms for user {user_id}"));
                record.Attributes.Add(Text("provider", "grok"));
                scope.LogRecords.Add(record);
            }

            var resourceLogs = new ResourceLogs { Resource = new Resource() };
            resourceLogs.Resource.Attributes.Add(Text("service.name", $"bench-{r}"));
            resourceLogs.ScopeLogs.Add(scope);
            request.ResourceLogs.Add(resourceLogs);
        }

        return request;
    }

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}

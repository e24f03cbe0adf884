using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zmarty.Testing;

namespace Zmarty.Benchmarks.Sync;

/// <summary>
/// Where a sync's time goes, from the services' own Debug lines: the relay's batch phases (claim, deliver, record)
/// and the receiver's writes in B. The benchmark turns those two categories to Debug and reads the lines from the
/// services' consoles, so the phases come from the code that does the work; writing the lines costs the services
/// a little time of their own.
/// </summary>
internal sealed partial class SyncPhases
{
    private readonly ConcurrentQueue<(string Phase, double Milliseconds)> _samples = new();

    public static void Configure(IDistributedApplicationTestingBuilder builder)
    {
        builder.GetResource<ProjectResource>("worker").WithEnvironment("Logging__LogLevel__Zmarty.Worker.Relay.OutboxRelay", "Debug");
        builder.GetResource<ProjectResource>("api").WithEnvironment("Logging__LogLevel__Zmarty.Api.Webhooks.WebhookReceiver", "Debug");
        // The lines are read here, not printed: printing thousands a second would load the machine being measured.
        builder.Services.AddLogging(logging => logging.AddFilter("Zmarty.AppHost.Resources", LogLevel.Warning));
    }

    public static SyncPhases Watch(TestSystem app, CancellationToken cancellationToken)
    {
        var phases = new SyncPhases();
        var logs = app.App.Services.GetRequiredService<ResourceLoggerService>();
        var model = app.App.Services.GetRequiredService<DistributedApplicationModel>();
        foreach (var service in model.Resources.Where(r => r.Name is "worker" or "api"))
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    // By resource, not by name: a project's logs are kept under its replica's name.
                    await foreach (var lines in logs.WatchAsync(service).WithCancellation(cancellationToken))
                    {
                        foreach (var line in lines)
                        {
                            phases.Read(line.Content);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, cancellationToken);
        }

        return phases;
    }

    /// <summary>Forgets what came so far (start-up, the previous step's stragglers).</summary>
    public void Clear() => _samples.Clear();

    /// <summary>The samples since the last call, as table rows: phase, count, p50, p95, p99, max (ms).</summary>
    public IEnumerable<string> TakeRows()
    {
        var taken = new List<(string Phase, double Milliseconds)>();
        while (_samples.TryDequeue(out var sample))
        {
            taken.Add(sample);
        }

        foreach (var group in taken.GroupBy(s => s.Phase).OrderBy(g => Array.IndexOf(s_order, g.Key)))
        {
            var sorted = group.Select(s => s.Milliseconds).Order().ToArray();
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {sorted.Length:N0} | {P(0.5):F2} | {P(0.95):F2} | {P(0.99):F2} | {sorted[^1]:F2} |");

            double P(double quantile) => SyncLatency.Pct(sorted, quantile);
        }
    }

    private static readonly string[] s_order =
        ["batch size (events)", "relay connect", "relay claim", "relay deliver", "relay record", "receiver writes in B"];

    private void Read(string line)
    {
        if (Batch().Match(line) is { Success: true } batch)
        {
            _samples.Enqueue(("batch size (events)", Number(batch.Groups["events"])));
            _samples.Enqueue(("relay connect", Number(batch.Groups["connect"])));
            _samples.Enqueue(("relay claim", Number(batch.Groups["claim"])));
            _samples.Enqueue(("relay deliver", Number(batch.Groups["deliver"])));
            _samples.Enqueue(("relay record", Number(batch.Groups["record"])));
        }
        else if (Applied().Match(line) is { Success: true } applied)
        {
            _samples.Enqueue(("receiver writes in B", Number(applied.Groups["apply"])));
        }
    }

    private static double Number(Group group) => double.Parse(group.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(
        @"Relay batch of (?<events>\d+): connect (?<connect>[\d.]+) ms, claim (?<claim>[\d.]+) ms, " +
        @"deliver (?<deliver>[\d.]+) ms, record (?<record>[\d.]+) ms")]
    private static partial Regex Batch();

    [GeneratedRegex(@"applied in (?<apply>[\d.]+) ms")]
    private static partial Regex Applied();
}

using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>
/// The data sources every service registers trace a command only inside work that has a span: a background poll
/// outside any starts no trace of its own, which would flood the dashboard's traces page.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class TracingTests(DatabaseFixture db)
{
    [Fact]
    public async Task A_query_outside_any_span_makes_none_and_one_inside_a_span_is_its_child()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:trading"] = db.App.GetConnectionString("trading");
        builder.AddSupabaseDataSource("trading");
        using var host = builder.Build();
        var trading = host.Services.GetRequiredKeyedService<NpgsqlDataSource>("trading");
        List<Activity> spans = [];
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql" || source.Name == nameof(TracingTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                lock (spans)
                {
                    spans.Add(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(nameof(TracingTests));

        // Marked, so spans of tests running beside this one (the listener hears the whole process) are told apart.
        var mark = Guid.NewGuid().ToString("N");
        await using (var idlePoll = trading.CreateCommand($"select 1 /* idle {mark} */"))
        {
            await idlePoll.ExecuteScalarAsync();
        }

        Activity? work;
        using (work = source.StartActivity("a job"))
        {
            await using var query = trading.CreateCommand($"select 2 /* work {mark} */");
            await query.ExecuteScalarAsync();
        }

        lock (spans)
        {
            var ours = spans.Where(s => s.Source.Name == "Npgsql"
                && s.TagObjects.Any(t => t.Value is string text && text.Contains(mark, StringComparison.Ordinal)));
            var database = Assert.Single(ours);
            Assert.Equal(work!.SpanId, database.ParentSpanId);
        }
    }
}

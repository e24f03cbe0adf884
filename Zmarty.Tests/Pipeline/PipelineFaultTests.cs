using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Zmarty.Emulators.Market;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;
using Zmarty.Testing;

namespace Zmarty.Tests.Pipeline;

[Collection(AppHostCollection.Name)]
public sealed class PipelineFaultTests
{
    private const string Ingest = "ingest_indicators";

    [Fact]
    public async Task A_killed_worker_and_a_restarted_database_lose_no_job_and_do_none_twice()
    {
        await using var system = await PipelineSystem.StartAsync(
            new Dictionary<string, string> { ["Queues__VisibilityTimeoutSeconds"] = "10" });

        // The Worker dies while the provider is still answering: the message comes back after its visibility timeout.
        await system.FaultAsync(new Fault("ohlcv", FaultMode.Slow, Times: 1, Symbol: "KILLED", DelayMilliseconds: 4000));
        var killed = await system.SendAsync(Ingest, new { symbol = "KILLED/USDT", timeframe = "4h" });
        await PipelineSystem.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(system.Trading,
                "select count(*) from pgmq.q_ingest_indicators where msg_id = $1 and read_ct = 1", killed) == 1 ? "" : null,
            "the Worker to take the message");
        await system.App.KillServiceAsync("worker");

        await system.App.StartResourceAsync("worker");
        // The killed delivery left no record and no write; a later one did the job, once. (On a loaded machine the
        // restarted Worker's first delivery may itself time out and be retried: still one success.)
        var runs = await system.FinishedAsync(Ingest, killed);
        Assert.All(runs, r =>
            Assert.True(r.Attempt >= 2 && r.Outcome is "succeeded" or "retrying", $"attempt {r.Attempt}: {r.Outcome}: {r.Error}"));
        Assert.Single(runs, r => r.Outcome == "succeeded");
        await PipelineSystem.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(system.Trading,
                "select count(*) from public.signals where symbol = 'KILLED/USDT'") == 1 ? "" : null,
            "the signal of the retried job");

        // B restarts under the running Worker: it reconnects by itself and carries on.
        await system.App.StopResourceAsync("supabase-b");
        await system.App.StartResourceAsync("supabase-b");
        system.Trading.Clear();
        var afterRestart = await system.SendAsync(Ingest, new { symbol = "ETH/USDT", timeframe = "1h" });
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, afterRestart));
    }

    [Fact]
    public async Task Two_workers_on_the_same_queues_share_the_jobs_and_do_none_twice()
    {
        await using var system = await PipelineSystem.StartAsync(configure: builder =>
            TestModel.GetResource<ProjectResource>(builder, "worker").WithReplicas(2));
        Assert.Equal(2, system.RunningReplicas("worker"));

        var symbols = Enumerable.Range(0, 30).Select(i => $"COIN{i}/USDT").ToList();
        var messages = new List<long>();
        foreach (var symbol in symbols)
        {
            messages.Add(await system.SendAsync(Ingest, new { symbol, timeframe = "1h" }));
        }

        foreach (var message in messages)
        {
            PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, message));
        }

        await PipelineSystem.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(system.Trading,
                "select count(*) from ops.job_runs where queue = 'compute_signals'") == symbols.Count ? "" : null,
            "every compute_signals job");
        Assert.Equal(symbols.Count, await Sql.ScalarAsync<long>(system.Trading, "select count(*) from public.signals"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(system.Trading,
            "select count(*) from ops.job_runs where outcome <> 'succeeded' or attempt <> 1"));
        Assert.Equal(2, system.RunningReplicas("worker"));
    }
}

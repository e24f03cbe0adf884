using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zmarty.AdminUi.Live;

namespace Zmarty.Tests.Admin;

public sealed class LivePollTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Many_subscribers_share_one_read_per_interval_and_the_poll_stops_when_the_last_leaves()
    {
        var time = new FakeTimeProvider();
        var reads = 0;
        await using var poll = new LivePoll<string>("test", _ => Task.FromResult($"read {Interlocked.Increment(ref reads)}"), s_interval, time, NullLogger.Instance);
        var notified = new int[50];
        var tabs = Enumerable.Range(0, notified.Length)
            .Select(i => poll.Subscribe(() =>
            {
                Interlocked.Increment(ref notified[i]);
                return Task.CompletedTask;
            }))
            .ToList();

        // The first subscriber started the poll and its first read; the others joined it and
        // render what it holds (Current) until the next read tells them all.
        await WaitUntilAsync(() => Volatile.Read(ref reads) == 1);
        var before = notified.ToArray();
        for (var tick = 1; tick <= 3; tick++)
        {
            time.Advance(s_interval);
            await WaitUntilAsync(() => Enumerable.Range(0, notified.Length).All(i => Volatile.Read(ref notified[i]) - before[i] == tick));
        }

        Assert.Equal(4, reads);
        Assert.Equal("read 4", poll.Current.Value);

        tabs.ForEach(t => t.Dispose());
        time.Advance(s_interval * 5);

        Assert.Equal(4, reads);
    }

    [Fact]
    public async Task A_failed_read_keeps_the_last_value_with_the_error_until_a_read_succeeds()
    {
        var time = new FakeTimeProvider();
        var fail = false;
        await using var poll = new LivePoll<string>(
            "test",
            _ => fail ? throw new InvalidOperationException("B is down") : Task.FromResult("value"),
            s_interval, time, NullLogger.Instance);

        await poll.RefreshAsync();
        fail = true;
        await poll.RefreshAsync();

        Assert.Equal("value", poll.Current.Value);
        Assert.Equal("B is down", poll.Current.Error);

        fail = false;
        await poll.RefreshAsync();

        Assert.Null(poll.Current.Error);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, giveUp.Token);
        }
    }
}

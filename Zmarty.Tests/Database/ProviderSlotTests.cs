using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>
/// <c>ops.take_provider_slot</c> and <c>ops.pause_provider</c>: a provider key's rate window, its pause after a 429 and
/// its monthly budget, held in B for every Worker. Each test has a provider name of its own.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ProviderSlotTests(DatabaseFixture db)
{
    private static readonly TimeSpan s_hour = TimeSpan.FromHours(1);

    private readonly string _provider = $"test-{Guid.NewGuid():N}";

    [Fact]
    public async Task Forty_takers_at_once_get_exactly_the_ten_places_of_one_window_and_the_rest_are_told_when_one_frees()
    {
        // Forty connections of their own, opened first so the takes race on the row lock rather than on the pool.
        var connections = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => db.Trading.OpenConnectionAsync().AsTask()));
        try
        {
            var answers = await Task.WhenAll(connections.Select(c => TakeAsync(c, 10, s_hour, 0)));

            Assert.Equal(10, answers.Count(a => a.RetryAfter is null));
            Assert.All(answers.Where(a => a.RetryAfter is null), a => Assert.True(a.Allowed));
            Assert.All(answers.Where(a => a.RetryAfter is not null),
                a => Assert.InRange(a.RetryAfter!.Value, TimeSpan.FromTicks(1), s_hour));
            Assert.Equal(10, await SentAsync());
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_full_window_frees_a_place_once_its_oldest_call_is_a_window_old_and_keeps_only_the_window()
    {
        var window = TimeSpan.FromSeconds(1);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null((await TakeAsync(3, window, 0)).RetryAfter);
        }

        var full = await TakeAsync(3, window, 0);
        Assert.InRange(full.RetryAfter!.Value, TimeSpan.FromTicks(1), window);

        await Task.Delay(full.RetryAfter!.Value + TimeSpan.FromMilliseconds(50));
        Assert.Null((await TakeAsync(3, window, 0)).RetryAfter);

        // Past a whole window every older call is pruned: the log holds the one call of the current window.
        await Task.Delay(window + TimeSpan.FromMilliseconds(50));
        Assert.Null((await TakeAsync(3, window, 0)).RetryAfter);
        Assert.Equal(1, await SentAsync());
    }

    [Fact]
    public async Task A_pause_holds_every_taker_until_it_ends_and_a_shorter_pause_does_not_cut_it()
    {
        await PauseAsync(s_hour);
        await PauseAsync(TimeSpan.FromSeconds(1));

        var paused = await TakeAsync(10, TimeSpan.FromSeconds(5), 0);

        Assert.InRange(paused.RetryAfter!.Value, s_hour - TimeSpan.FromMinutes(1), s_hour);
        Assert.Equal(0, await SentAsync());
    }

    [Fact]
    public async Task A_short_pause_ends_and_the_next_take_gets_its_place()
    {
        await PauseAsync(TimeSpan.FromMilliseconds(300));

        var paused = await TakeAsync(10, TimeSpan.FromSeconds(5), 0);
        await Task.Delay(paused.RetryAfter!.Value + TimeSpan.FromMilliseconds(50));

        Assert.Null((await TakeAsync(10, TimeSpan.FromSeconds(5), 0)).RetryAfter);
    }

    [Fact]
    public async Task The_place_and_the_budget_are_taken_together_and_a_spent_budget_takes_no_place()
    {
        var answers = new List<(TimeSpan? RetryAfter, bool? Allowed, long? Calls)>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await TakeAsync(10, s_hour, 3));
        }

        List<(TimeSpan?, bool?, long?)> expected = [(null, true, 1), (null, true, 2), (null, true, 3), (null, false, 3)];
        Assert.Equal(expected, answers);
        Assert.Equal(3, await SentAsync());
        Assert.Equal("3 1", await Sql.ScalarAsync<string>(db.Trading,
            "select format('%s %s', calls, refused) from ops.provider_calls where provider = $1", _provider));
    }

    [Fact]
    public async Task Without_permits_only_the_budget_is_counted_and_no_window_is_kept()
    {
        var answer = await TakeAsync(0, TimeSpan.Zero, 5);

        Assert.Null(answer.RetryAfter);
        Assert.True(answer.Allowed);
        Assert.Equal(1L, answer.Calls);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading,
            "select count(*) from ops.provider_windows where provider = $1", _provider));
    }

    [Theory]
    [InlineData(-1, 5, 0)]
    [InlineData(10, 0, 0)]
    [InlineData(10, 5, -1)]
    public async Task Permits_or_a_budget_below_0_or_a_window_of_nothing_are_refused(int permits, int windowSeconds, long budget)
    {
        var error = await Sql.ThrowsAsync("22023", () => TakeAsync(permits, TimeSpan.FromSeconds(windowSeconds), budget));

        Assert.Contains("a window above 0 with permits are required", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pause_of_nothing_is_refused() =>
        await Sql.ThrowsAsync("22023", () => PauseAsync(TimeSpan.Zero));

    private async Task<(TimeSpan? RetryAfter, bool? Allowed, long? Calls)> TakeAsync(int permits, TimeSpan window, long budget)
    {
        await using var connection = await db.Trading.OpenConnectionAsync();
        return await TakeAsync(connection, permits, window, budget);
    }

    private async Task<(TimeSpan? RetryAfter, bool? Allowed, long? Calls)> TakeAsync(
        NpgsqlConnection connection, int permits, TimeSpan window, long budget)
    {
        await using var command = Sql.Command(connection,
            "select retry_after, allowed, calls from ops.take_provider_slot($1, $2, $3, $4)", _provider, permits, window, budget);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.IsDBNull(0) ? null : reader.GetFieldValue<TimeSpan>(0), reader.IsDBNull(1) ? null : reader.GetBoolean(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2));
    }

    private Task PauseAsync(TimeSpan delay) => Sql.ExecuteAsync(db.Trading, "select ops.pause_provider($1, $2)", _provider, delay);

    /// <summary>The calls the provider's window holds now, pruned or not.</summary>
    private Task<int> SentAsync() =>
        Sql.ScalarAsync<int>(db.Trading, "select coalesce(cardinality(sent), 0) from ops.provider_windows where provider = $1", _provider);
}

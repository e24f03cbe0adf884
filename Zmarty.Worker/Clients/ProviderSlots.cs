using Npgsql;

namespace Zmarty.Worker.Clients;

/// <summary>
/// What a take answered. <see cref="RetryAfter"/> set: nothing was taken, ask again after it. Else <see cref="Allowed"/>
/// says whether the call may go (false: the monthly budget is spent), and <see cref="Calls"/> is the month's count with
/// this call (null without a budget).
/// </summary>
public readonly record struct SlotAnswer(TimeSpan? RetryAfter, bool Allowed, long? Calls);

/// <summary>Where a provider key's rate window, its pause after a 429 and its monthly budget are kept for every Worker.</summary>
public interface IProviderSlots
{
    /// <summary>
    /// Takes a place for one call: at most <paramref name="permits"/> calls in any <paramref name="window"/> (0: no
    /// limit), and one call of the month's <paramref name="budget"/> (0: no budget), both or neither.
    /// </summary>
    ValueTask<SlotAnswer> TakeAsync(string provider, int permits, TimeSpan window, long budget, CancellationToken cancellationToken);

    /// <summary>Holds every caller of <paramref name="provider"/> back for <paramref name="delay"/> (a longer pause is kept).</summary>
    ValueTask PauseAsync(string provider, TimeSpan delay, CancellationToken cancellationToken);
}

/// <summary>
/// The window, pause and budget in B (<c>ops.provider_windows</c>, <c>ops.provider_calls</c>): one function call per
/// take, atomic under a row lock per provider, so every Worker with the key spends the same window and budget.
/// </summary>
public sealed class TradingProviderSlots(NpgsqlDataSource trading) : IProviderSlots
{
    public async ValueTask<SlotAnswer> TakeAsync(
        string provider, int permits, TimeSpan window, long budget, CancellationToken cancellationToken)
    {
        await using var command = trading.CreateCommand("select retry_after, allowed, calls from ops.take_provider_slot($1, $2, $3, $4)");
        command.Parameters.Add(new() { Value = provider });
        command.Parameters.Add(new() { Value = permits });
        command.Parameters.Add(new() { Value = window });
        command.Parameters.Add(new() { Value = budget });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.IsDBNull(0)
            ? new SlotAnswer(null, reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetInt64(2))
            : new SlotAnswer(reader.GetFieldValue<TimeSpan>(0), false, null);
    }

    public async ValueTask PauseAsync(string provider, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var command = trading.CreateCommand("select ops.pause_provider($1, $2)");
        command.Parameters.Add(new() { Value = provider });
        command.Parameters.Add(new() { Value = delay });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

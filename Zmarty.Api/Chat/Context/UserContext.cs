using System.Globalization;
using System.Text;
using Npgsql;

namespace Zmarty.Api.Chat.Context;

/// <summary>A user's profile, watched symbols and spendable credits, as A has them.</summary>
public sealed record UserProfile(string Tier, int MaxTokens, int RequestsPerMinute, long Available, IReadOnlyList<WatchedSymbol> Symbols);

public sealed record WatchedSymbol(string Symbol, string Timeframe);

/// <summary>The latest trading data B has for one watched (symbol, timeframe); any part may be missing.</summary>
public sealed record SymbolSnapshot(
    string Symbol,
    string Timeframe,
    string? Direction,
    decimal? Score,
    decimal? Confidence,
    decimal? Entry,
    decimal? StopLoss,
    decimal[]? TakeProfit,
    DateTimeOffset? SignalAt,
    decimal? WinRate,
    int? SampleSize,
    int? LookbackDays,
    decimal? Risk);

/// <summary>
/// Reads what a chat needs about its user: one round trip to A (profile, active symbols, balance) and
/// one to B (latest signal, win rate and risk per symbol). Every query is filtered by the caller's
/// user id, so no user's data reaches another's prompt.
/// </summary>
public sealed class UserContextStore(
    [FromKeyedServices("chat")] NpgsqlDataSource chat,
    [FromKeyedServices("trading")] NpgsqlDataSource trading)
{
    public async Task<UserProfile?> ProfileAsync(Guid user, CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand("""
            select p.tier, p.max_tokens_per_request, p.max_requests_per_minute,
                   coalesce((select a.balance - a.held from public.credit_accounts a where a.user_id = p.id), 0),
                   coalesce(array_agg(s.symbol order by s.symbol, s.timeframe) filter (where s.id is not null), '{}'),
                   coalesce(array_agg(s.timeframe order by s.symbol, s.timeframe) filter (where s.id is not null), '{}')
            from public.user_profiles p
            left join public.user_symbols s on s.user_id = p.id and s.active
            where p.id = $1
            group by p.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var symbols = reader.GetFieldValue<string[]>(4);
        var timeframes = reader.GetFieldValue<string[]>(5);
        return new UserProfile(
            reader.GetString(0),
            reader.GetInt32(1),
            reader.GetInt32(2),
            reader.GetInt64(3),
            [.. symbols.Zip(timeframes, (symbol, timeframe) => new WatchedSymbol(symbol, timeframe))]);
    }

    public async Task<IReadOnlyList<SymbolSnapshot>> SnapshotsAsync(
        Guid user, IReadOnlyList<WatchedSymbol> symbols, CancellationToken cancellationToken)
    {
        if (symbols.Count == 0)
        {
            return [];
        }

        // A user's own signals win over the global one at the same time; nobody else's are read.
        await using var command = trading.CreateCommand("""
            select w.symbol, w.timeframe, s.direction, s.score, s.confidence, s.entry_price, s.stop_loss, s.take_profit, s.at,
                   r.win_rate, r.sample_size, r.lookback_days, (k.metrics ->> 'risk')::numeric
            from unnest($1::text[], $2::text[]) as w (symbol, timeframe)
            left join lateral (
              select direction, score, confidence, entry_price, stop_loss, take_profit, at
              from public.signals
              where symbol = w.symbol and timeframe = w.timeframe and (user_id is null or user_id = $3)
              order by at desc, user_id nulls last
              limit 1) s on true
            left join lateral (
              select win_rate, sample_size, lookback_days
              from public.win_rate
              where symbol = w.symbol and timeframe = w.timeframe
              order by lookback_days = 30 desc, computed_at desc
              limit 1) r on true
            left join lateral (
              select metrics from public.risk_metric where symbol = w.symbol order by at desc limit 1) k on true
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = symbols.Select(s => s.Symbol).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = symbols.Select(s => s.Timeframe).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        var snapshots = new List<SymbolSnapshot>(symbols.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            snapshots.Add(new SymbolSnapshot(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                Nullable<decimal>(reader, 3),
                Nullable<decimal>(reader, 4),
                Nullable<decimal>(reader, 5),
                Nullable<decimal>(reader, 6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<decimal[]>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                Nullable<decimal>(reader, 9),
                reader.IsDBNull(10) ? null : reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetInt32(11),
                Nullable<decimal>(reader, 12)));
        }

        return snapshots;
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}

/// <summary>The compact system prompt: who the assistant is, then one line per symbol with what B knows.</summary>
public static class SystemPrompt
{
    public const string Persona =
        "You are Zmarty, a crypto trading assistant. Answer from the data below and say when data is missing. " +
        "Be concise. This is not financial advice.";

    public static string Build(IReadOnlyList<SymbolSnapshot> snapshots, bool includeSignals, bool includeWinRates, DateTimeOffset now)
    {
        var prompt = new StringBuilder(Persona);
        if (snapshots.Count == 0)
        {
            return prompt.Append(" The user watches no symbols yet.").ToString();
        }

        prompt.Append(CultureInfo.InvariantCulture, $"\nData at {now:yyyy-MM-dd HH:mm} UTC:");
        foreach (var s in snapshots)
        {
            prompt.Append(CultureInfo.InvariantCulture, $"\n{s.Symbol} {s.Timeframe}:");
            if (includeSignals)
            {
                prompt.Append(s.Direction is null
                    ? " no signal;"
                    : string.Create(CultureInfo.InvariantCulture,
                        $" signal {s.Direction} score {s.Score:0.##} conf {s.Confidence:0.##} entry {s.Entry} stop {s.StopLoss} tp {string.Join('/', s.TakeProfit ?? [])} at {s.SignalAt:MM-dd HH:mm};"));
                prompt.Append(s.Risk is { } risk ? string.Create(CultureInfo.InvariantCulture, $" risk {risk:0.###};") : " risk n/a;");
            }

            if (includeWinRates)
            {
                prompt.Append(s.WinRate is { } rate
                    ? string.Create(CultureInfo.InvariantCulture, $" win rate {s.LookbackDays}d {rate:0.##} (n={s.SampleSize})")
                    : " win rate n/a");
            }
        }

        return prompt.ToString();
    }
}

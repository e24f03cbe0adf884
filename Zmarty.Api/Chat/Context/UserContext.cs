using System.Globalization;
using System.Text;
using Npgsql;

namespace Zmarty.Api.Chat.Context;

/// <summary>A user's profile, watched symbols and spendable credits, as A has them.</summary>
/// <remarks>
/// <see cref="MaxTokens"/> and <see cref="RequestsPerMinute"/> are the profile's own columns, not yet raised to the tier's.
/// </remarks>
public sealed record UserProfile(
    string Tier, int MaxTokens, int RequestsPerMinute, long Balance, long Available, IReadOnlyList<WatchedSymbol> Symbols);

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
/// Reads what a chat needs about its user: one round trip to A (profile, active symbols, balance;
/// <c>public.user_context</c>) and one to B (latest signal, win rate and risk per symbol). Every query
/// is filtered by the caller's user id, so no user's data reaches another's prompt.
/// </summary>
public sealed class UserContextStore(
    [FromKeyedServices("chat")] NpgsqlDataSource chat,
    [FromKeyedServices("trading")] NpgsqlDataSource trading)
{
    public async Task<UserProfile?> ProfileAsync(Guid user, CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand($"select {ProfileColumns} from public.user_context($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadProfile(reader, 0) : null;
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

    /// <summary>The columns of <c>public.user_context</c>, in the order <see cref="ReadProfile"/> reads them.</summary>
    internal const string ProfileColumns = "tier, max_tokens_per_request, max_requests_per_minute, balance, available, symbols, timeframes";

    internal static UserProfile ReadProfile(NpgsqlDataReader reader, int first)
    {
        var symbols = reader.GetFieldValue<string[]>(first + 5);
        var timeframes = reader.GetFieldValue<string[]>(first + 6);
        return new UserProfile(
            reader.GetString(first),
            reader.GetInt32(first + 1),
            reader.GetInt32(first + 2),
            reader.GetInt64(first + 3),
            reader.GetInt64(first + 4),
            [.. symbols.Zip(timeframes, (symbol, timeframe) => new WatchedSymbol(symbol, timeframe))]);
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}

/// <summary>
/// The compact system prompt: who the assistant is, then one line per symbol with what B knows. Its
/// size has a bound that depends only on the number of symbols (<see cref="MaxBytes"/>), so a chat's
/// worst-case price is known, and held, before B is read.
/// </summary>
public static class SystemPrompt
{
    public const string Persona =
        "You are Zmarty, a crypto trading assistant. Answer from the data below and say when data is missing. " +
        "Be concise. This is not financial advice.";

    /// <summary>
    /// The most one symbol's line may take, in UTF-8 bytes. The fields are written with bounded widths
    /// (10 significant digits, at most <see cref="MaxTakeProfits"/> targets), which keeps a real line
    /// near 200 bytes; only absurd values could pass this, and such a line is cut to it.
    /// </summary>
    public const int MaxLineBytes = 320;

    public const int MaxTakeProfits = 4;

    private const string NoSymbols = " The user watches no symbols yet.";
    private const string HeaderFormat = "\nData at {0:yyyy-MM-dd HH:mm} UTC:";

    private static readonly int s_personaBytes = Encoding.UTF8.GetByteCount(Persona);
    private static readonly int s_noSymbolsBytes = Encoding.UTF8.GetByteCount(NoSymbols);
    private static readonly int s_headerBytes =
        Encoding.UTF8.GetByteCount(string.Format(CultureInfo.InvariantCulture, HeaderFormat, DateTimeOffset.UnixEpoch));

    /// <summary>The most <see cref="Build"/> can write for <paramref name="symbols"/> lines, in UTF-8 bytes.</summary>
    public static int MaxBytes(int symbols) =>
        s_personaBytes + (symbols == 0 ? s_noSymbolsBytes : s_headerBytes + (symbols * MaxLineBytes));

    public static string Build(IReadOnlyList<SymbolSnapshot> snapshots, bool includeSignals, bool includeWinRates, DateTimeOffset now)
    {
        var prompt = new StringBuilder(Persona);
        if (snapshots.Count == 0)
        {
            return prompt.Append(NoSymbols).ToString();
        }

        prompt.AppendFormat(CultureInfo.InvariantCulture, HeaderFormat, now);
        foreach (var s in snapshots)
        {
            prompt.Append(Cap(Line(s, includeSignals, includeWinRates)));
        }

        return prompt.ToString();
    }

    private static string Line(SymbolSnapshot s, bool includeSignals, bool includeWinRates)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"\n{s.Symbol} {s.Timeframe}:");
        if (includeSignals)
        {
            if (s.Direction is null)
            {
                line.Append(" no signal;");
            }
            else
            {
                var targets = string.Join('/', (s.TakeProfit ?? []).Take(MaxTakeProfits).Select(target => Number(target)));
                line.Append(CultureInfo.InvariantCulture,
                    $" signal {s.Direction} score {s.Score:0.##} conf {s.Confidence:0.##} entry {Number(s.Entry)}");
                line.Append(CultureInfo.InvariantCulture, $" stop {Number(s.StopLoss)} tp {targets} at {s.SignalAt:MM-dd HH:mm};");
            }

            line.Append(s.Risk is { } risk ? string.Create(CultureInfo.InvariantCulture, $" risk {risk:0.###};") : " risk n/a;");
        }

        if (includeWinRates)
        {
            line.Append(s.WinRate is { } rate
                ? string.Create(CultureInfo.InvariantCulture, $" win rate {s.LookbackDays}d {rate:0.##} (n={s.SampleSize})")
                : " win rate n/a");
        }

        return line.ToString();
    }

    private static string Number(decimal? value) => value?.ToString("G10", CultureInfo.InvariantCulture) ?? "";

    private static string Cap(string line)
    {
        if (Encoding.UTF8.GetByteCount(line) <= MaxLineBytes)
        {
            return line;
        }

        var length = line.Length;
        while (Encoding.UTF8.GetByteCount(line.AsSpan(0, length)) > MaxLineBytes || char.IsHighSurrogate(line[length - 1]))
        {
            length--;
        }

        return line[..length];
    }
}

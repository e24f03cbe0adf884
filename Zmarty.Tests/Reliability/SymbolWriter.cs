using Npgsql;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Reliability;

/// <summary>
/// Users changing their watched symbols in A until told to stop: adds, strategy changes, pauses and
/// removals. Unlike <see cref="Sync.SymbolChanges"/> it keeps going through a database restart: a
/// change A refuses (it is down, or the key was just removed) is skipped, as a user would retry.
/// </summary>
internal sealed class SymbolWriter(NpgsqlDataSource chat, IReadOnlyList<Guid> users)
{
    private static readonly string[] s_symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT"];
    private static readonly string[] s_timeframes = ["1h", "4h"];
    private int _made;

    public int Made => _made;

    public static async Task<SymbolWriter> ForNewUsersAsync(NpgsqlDataSource chat, int users)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < users; i++)
        {
            ids.Add(await DatabaseFixture.CreateUserAsync(chat, "enterprise"));
        }

        return new(chat, ids);
    }

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(users.Select((user, i) => Task.Run(async () =>
    {
        var random = new Random(i + _made);
        while (!stop.IsCancellationRequested)
        {
            var (symbol, timeframe) = (s_symbols[random.Next(s_symbols.Length)], s_timeframes[random.Next(s_timeframes.Length)]);
            var sql = random.Next(10) switch
            {
                < 5 => """
                    insert into public.user_symbols (user_id, symbol, timeframe, strategy)
                    values ($1, $2, $3, jsonb_build_object('n', $4::int))
                    on conflict (user_id, symbol, timeframe) do update set strategy = excluded.strategy
                    """,
                < 8 => "update public.user_symbols set active = not active, strategy = jsonb_build_object('n', $4::int) " +
                       "where user_id = $1 and symbol = $2 and timeframe = $3",
                _ => "delete from public.user_symbols where user_id = $1 and symbol = $2 and timeframe = $3 and $4::int >= 0",
            };
            try
            {
                await Sql.ExecuteAsync(chat, sql, user, symbol, timeframe, random.Next(1000));
                Interlocked.Increment(ref _made);
            }
            catch (NpgsqlException)
            {
                // A is restarting: the user tries again in a moment.
            }

            await Task.Delay(50, CancellationToken.None);
        }
    })));
}

using Npgsql;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Sync;

/// <summary>
/// Makes a seeded mix of symbol changes in A: inserts, strategy updates, pauses and resumes, and
/// deletes (some keys deleted and added again), spread over several users, each user's changes made
/// by its own writer, the writers running at once.
/// </summary>
internal sealed class SymbolChanges(NpgsqlDataSource chat, IReadOnlyList<Guid> users, int seed = 7)
{
    private static readonly string[] s_symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "ADA/USDT", "DOGE/USDT", "AVAX/USDT", "LINK/USDT"];
    private static readonly string[] s_timeframes = ["1h", "4h", "1d"];

    /// <summary>Enterprise users (no active-symbol limit), made in A.</summary>
    public static async Task<SymbolChanges> ForNewUsersAsync(NpgsqlDataSource chat, int users)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < users; i++)
        {
            ids.Add(await DatabaseFixture.CreateUserAsync(chat, "enterprise"));
        }

        return new(chat, ids);
    }

    public IReadOnlyList<Guid> Users => users;

    public int Made => _made;

    private int _made;

    /// <summary>Makes <paramref name="count"/> changes, or keeps going until <paramref name="until"/> is cancelled if that comes first.</summary>
    public async Task MakeAsync(int count, CancellationToken until = default, TimeSpan pause = default)
    {
        var perUser = count / users.Count;
        await Task.WhenAll(users.Select((user, i) => Task.Run(async () =>
        {
            var random = new Random(seed + i);
            var present = new HashSet<(string, string)>();
            for (var n = 0; n < perUser && !until.IsCancellationRequested; n++)
            {
                var key = (s_symbols[random.Next(s_symbols.Length)], s_timeframes[random.Next(s_timeframes.Length)]);
                var roll = random.Next(100);
                const string Where = " where user_id = $1 and symbol = $2 and timeframe = $3";
                if (!present.Contains(key))
                {
                    await Sql.ExecuteAsync(chat,
                        "insert into public.user_symbols (user_id, symbol, timeframe, strategy) values ($1, $2, $3, jsonb_build_object('n', $4::int))",
                        user, key.Item1, key.Item2, n);
                    present.Add(key);
                }
                else if (roll < 80)
                {
                    // Most updates change the strategy; some also pause or resume the symbol.
                    var toggle = roll < 55 ? "" : ", active = not active";
                    await Sql.ExecuteAsync(chat,
                        "update public.user_symbols set strategy = jsonb_build_object('n', $4::int)" + toggle + Where,
                        user, key.Item1, key.Item2, n);
                }
                else
                {
                    await Sql.ExecuteAsync(chat, "delete from public.user_symbols" + Where, user, key.Item1, key.Item2);
                    present.Remove(key);
                }

                Interlocked.Increment(ref _made);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, CancellationToken.None);
                }
            }
        })));
    }
}

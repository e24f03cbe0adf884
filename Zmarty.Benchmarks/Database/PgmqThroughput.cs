using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Zmarty.Benchmarks.Database;

/// <summary>
/// Local pgmq: messages per second through send, read and archive, with 1, 4 and 16 consumers and
/// batches of 1 and 100. Each case sends for a fixed time with as many producers as consumers,
/// then the consumers drain the queue (read with a 30 s visibility timeout, archive what they read).
/// </summary>
internal static class PgmqThroughput
{
    private static readonly TimeSpan SendPhase = TimeSpan.FromSeconds(2);
    private const int MaxMessages = 150_000;

    public static async Task RunAsync(NpgsqlDataSource source)
    {
        Console.WriteLine();
        Console.WriteLine("| consumers | batch | messages | send msg/s | read+archive msg/s | end-to-end msg/s | per core (2) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var consumers in new[] { 1, 4, 16 })
        {
            foreach (var batch in new[] { 1, 100 })
            {
                await RunCaseAsync(source, consumers, batch);
            }
        }
    }

    private static async Task RunCaseAsync(NpgsqlDataSource source, int consumers, int batch)
    {
        var queue = $"bench_{consumers}_{batch}";
        await DatabaseBenchmarks.ExecuteAsync(source, "select pgmq.create($1)", queue);

        var payload = """{"symbol":"BTC/USDT","timeframe":"1h","user_id":"00000000-0000-0000-0000-000000000001"}""";
        var sent = 0L;
        var send = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + SendPhase;
        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var command = batch == 1
                ? DatabaseBenchmarks.Command(connection, "select * from pgmq.send($1, $2::jsonb)", queue, payload)
                : DatabaseBenchmarks.Command(connection, "select * from pgmq.send_batch($1, $2::jsonb[])", queue,
                    Enumerable.Repeat(payload, batch).ToArray());
            while (DateTime.UtcNow < deadline && Interlocked.Read(ref sent) < MaxMessages)
            {
                await command.ExecuteNonQueryAsync();
                Interlocked.Add(ref sent, batch);
            }
        })));
        var sendSeconds = send.Elapsed.TotalSeconds;

        var received = 0L;
        var consume = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var read = DatabaseBenchmarks.Command(connection, "select msg_id from pgmq.read($1, 30, $2)", queue, batch);
            while (true)
            {
                var ids = new List<long>(batch);
                await using (var reader = await read.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        ids.Add(reader.GetInt64(0));
                    }
                }

                if (ids.Count == 0)
                {
                    return;
                }

                await using var archive = ids.Count == 1
                    ? DatabaseBenchmarks.Command(connection, "select pgmq.archive($1, $2::bigint)", queue, ids[0])
                    : DatabaseBenchmarks.Command(connection, "select count(*) from pgmq.archive($1, $2::bigint[])", queue, ids.ToArray());
                await archive.ExecuteNonQueryAsync();
                Interlocked.Add(ref received, ids.Count);
            }
        })));
        var consumeSeconds = consume.Elapsed.TotalSeconds;

        var left = await DatabaseBenchmarks.ScalarAsync(source, "select queue_length from pgmq.metrics($1)", queue);
        var archived = await DatabaseBenchmarks.ScalarAsync(source, $"select count(*) from pgmq.a_{queue}");
        if (left != 0 || archived != sent || received != sent)
        {
            throw new InvalidOperationException(
                $"{queue}: sent {sent}, received {received}, archived {archived}, left {left}: messages were lost or delivered twice");
        }

        var endToEnd = sent / (sendSeconds + consumeSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {consumers} | {batch} | {sent:N0} | {sent / sendSeconds:N0} | {received / consumeSeconds:N0} | {endToEnd:N0} | {received / consumeSeconds / 2:N0} |"));
        await DatabaseBenchmarks.ExecuteAsync(source, "select pgmq.drop_queue($1)", queue);
    }
}

using System.Net;
using System.Text.Json;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Sync;

/// <summary>POST /hooks/watchers-upsert over HTTP against the real B: what it accepts, what it refuses, and that a refusal writes nothing.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class WebhookReceiverTests(DatabaseFixture db) : IAsyncLifetime
{
    private readonly string _secret = ReceiverHost.NewSecret();
    private readonly Guid _user = Guid.NewGuid();
    private ReceiverHost _host = null!;

    public async Task InitializeAsync() => _host = await ReceiverHost.StartAsync(db, _secret);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>The user's watchers in B, with xmin so that "nothing written" also means "not rewritten".</summary>
    private Task<List<string>> WatchersAsync() =>
        Sql.ColumnAsync<string>(db.Trading,
            "select concat_ws(' ', symbol, timeframe, active, strategy::text, source_version, xmin::text) from public.watchers where user_id = $1 order by symbol, timeframe",
            _user);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) =>
        Payload.Json(await response.Content.ReadAsStringAsync());

    [Fact]
    public async Task A_signed_insert_is_upserted_and_answered_with_the_contract_reply()
    {
        var response = await _host.PostAsync(Payload.Insert(_user, "BTC/USDT", 10, strategy: """{"risk": "low"}"""), _secret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = Payload.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal(["operation", "success", "symbol", "timestamp", "user_id"], reply.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(reply.GetProperty("success").GetBoolean());
        Assert.Equal("INSERT", reply.GetProperty("operation").GetString());
        Assert.Equal("BTC/USDT", reply.GetProperty("symbol").GetString());
        Assert.Equal(_user, reply.GetProperty("user_id").GetGuid());
        Assert.True(reply.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        var watcher = Assert.Single(await WatchersAsync());
        Assert.StartsWith("""BTC/USDT 1h t {"risk": "low"} 10 """, watcher, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_bad_signature_gets_401_and_writes_nothing()
    {
        var body = Payload.Insert(_user, "BTC/USDT", 10);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var unsigned = await _host.PostAsync(body, "evt-1", now);
        var otherSecret = await _host.PostAsync(body, "evt-1", now, ReceiverHost.NewSecret());
        // A well-formed signature under a secret the receiver does not hold (the Standard Webhooks test vector's).
        var foreign = await _host.PostAsync(Payload.Insert(_user, "ETH/USDT", 11), "evt-2", now, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Contains("webhook-signature", (await ProblemAsync(unsigned)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, otherSecret.StatusCode);
        Assert.Equal("Bad signature", (await ProblemAsync(otherSecret)).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode);
        Assert.Empty(await WatchersAsync());
    }

    [Fact]
    public async Task A_body_changed_after_signing_gets_401()
    {
        var body = Payload.Insert(_user, "BTC/USDT", 10);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Zmarty.Webhooks.StandardWebhooks.TryParseSecret(_secret, out var key)
            ? Zmarty.Webhooks.StandardWebhooks.Sign(key, "evt-1", now, System.Text.Encoding.UTF8.GetBytes(body))
            : throw new InvalidOperationException();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/watchers-upsert")
        {
            Content = new StringContent(body.Replace("\"active\": true", "\"active\": false", StringComparison.Ordinal)),
        };
        request.Headers.Add("webhook-id", "evt-1");
        request.Headers.Add("webhook-timestamp", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);

        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Client.SendAsync(request)).StatusCode);
        Assert.Empty(await WatchersAsync());
    }

    [Theory]
    [InlineData(-301, "s old")]
    [InlineData(301, "s in the future")]
    public async Task A_timestamp_more_than_5_minutes_old_or_ahead_gets_401_and_writes_nothing(int offsetSeconds, string says)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offsetSeconds;

        var response = await _host.PostAsync(Payload.Insert(_user, "BTC/USDT", 10), Guid.NewGuid().ToString(), timestamp, _secret);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(says, (await ProblemAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await WatchersAsync());
    }

    [Fact]
    public async Task A_replayed_webhook_id_gets_200_and_changes_nothing()
    {
        var insert = Payload.Insert(_user, "BTC/USDT", 10);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync(insert, "evt-10", now, _secret)).StatusCode);
        var before = await WatchersAsync();

        var replay = await _host.PostAsync(insert, "evt-10", now + 1, _secret);
        // A newer change, then the older one arriving again (a retry whose first answer was lost).
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync(Payload.Update(_user, "BTC/USDT", 12, active: false), _secret)).StatusCode);
        var afterUpdate = await WatchersAsync();
        var lateReplay = await _host.PostAsync(insert, "evt-10", now + 2, _secret);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.True(Payload.Json(await replay.Content.ReadAsStringAsync()).GetProperty("success").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, lateReplay.StatusCode);
        Assert.NotEqual(before, afterUpdate);
        Assert.Equal(afterUpdate, await WatchersAsync());
    }

    [Fact]
    public async Task The_previous_secret_is_accepted_while_configured_and_refused_after()
    {
        var next = ReceiverHost.NewSecret();
        await using (var rotating = await ReceiverHost.StartAsync(db, next, previousSecret: _secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await rotating.PostAsync(Payload.Insert(_user, "BTC/USDT", 10), _secret)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await rotating.PostAsync(Payload.Insert(_user, "ETH/USDT", 11), next)).StatusCode);
            // A sender in the middle of a rotation signs with both.
            Assert.Equal(HttpStatusCode.OK, (await rotating.PostAsync(Payload.Insert(_user, "SOL/USDT", 12), _secret, next)).StatusCode);
        }

        await using var rotated = await ReceiverHost.StartAsync(db, next);
        var before = await WatchersAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await rotated.PostAsync(Payload.Update(_user, "BTC/USDT", 20, active: false), _secret)).StatusCode);
        Assert.Equal(before, await WatchersAsync());
        Assert.Equal(3, before.Count);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{\"type\": \"INSERT\",", "not valid JSON" },
        { "[1, 2]", "must be a JSON object" },
        { Payload.Change("TRUNCATE", null, null, 5), "Unknown type 'TRUNCATE'" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5).Replace("\"user_symbols\"", "\"credits_ledger\"", StringComparison.Ordinal), "Unknown table 'public.credits_ledger'" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5).Replace(", \"version\": 5}", "}", StringComparison.Ordinal), "'version' must be a positive integer" },
        { Payload.Change("INSERT", null, null, 5), "'record' must be an object for INSERT" },
        { Payload.Change("DELETE", null, null, 5), "'old_record' must be an object for DELETE" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5).Replace("\"symbol\": \"BTC/USDT\", ", "", StringComparison.Ordinal), "'record' is missing 'symbol'" },
        { Payload.Insert(Guid.Empty, "btc-usdt", 5), "'record'.symbol must look like BTC/USDT" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5, timeframe: "2h"), "'record'.timeframe must be one of" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5, strategy: "[]"), "'record'.strategy must be a JSON object" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5).Replace("\"active\": true", "\"active\": \"yes\"", StringComparison.Ordinal), "'record'.active must be true or false" },
        { Payload.Insert(Guid.Empty, "BTC/USDT", 5).Replace(Guid.Empty.ToString(), "nobody", StringComparison.Ordinal), "'record'.user_id must be a UUID" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_malformed_body_gets_400_saying_what_is_wrong_and_writes_nothing(string body, string says)
    {
        body = body.Replace(Guid.Empty.ToString(), _user.ToString(), StringComparison.Ordinal);

        var response = await _host.PostAsync(body, _secret);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(says, (await ProblemAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await WatchersAsync());
    }

    [Fact]
    public async Task A_body_over_64_KiB_gets_400_unread_and_writes_nothing()
    {
        var padding = new string('x', 64 * 1024);
        var body = Payload.Insert(_user, "BTC/USDT", 5, strategy: $$"""{"note": "{{padding}}"}""");

        var declared = await _host.PostAsync(body, _secret);
        // Chunked: no Content-Length to refuse it by, so the limit applies while reading.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/hooks/watchers-upsert")
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.Add("webhook-id", "evt-big");
        chunked.Headers.Add("webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        chunked.Headers.Add("webhook-signature", "v1,AAAA");
        var streamed = await _host.Client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.BadRequest, declared.StatusCode);
        Assert.Contains("over 65536 bytes", (await ProblemAsync(declared)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, streamed.StatusCode);
        Assert.Empty(await WatchersAsync());
    }

    [Fact]
    public async Task Past_its_1_second_budget_the_receiver_cancels_its_work_and_answers_503_and_a_retry_applies_it()
    {
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync(Payload.Insert(_user, "BTC/USDT", 10), _secret)).StatusCode);
        var before = await WatchersAsync();

        HttpResponseMessage blocked;
        await using (var connection = await db.Trading.OpenConnectionAsync())
        await using (var holder = await connection.BeginTransactionAsync())
        {
            // Another writer holds the row: the receiver's upsert waits for it past the budget.
            await Sql.ExecuteAsync(connection, "select 1 from public.watchers where user_id = $1 for update", _user);
            blocked = await _host.PostAsync(Payload.Update(_user, "BTC/USDT", 11, active: false), _secret);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, blocked.StatusCode);
        Assert.Equal("1", blocked.Headers.RetryAfter?.ToString());
        Assert.Equal(before, await WatchersAsync());
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync(Payload.Update(_user, "BTC/USDT", 11, active: false), _secret)).StatusCode);
        Assert.Contains(" f {} 11 ", Assert.Single(await WatchersAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delete_keeps_an_inactive_row_that_an_older_insert_arriving_late_cannot_revive()
    {
        await _host.PostAsync(Payload.Insert(_user, "BTC/USDT", 10), _secret);
        await _host.PostAsync(Payload.Delete(_user, "BTC/USDT", 12), _secret);
        await _host.PostAsync(Payload.Update(_user, "BTC/USDT", 11), _secret);
        Assert.StartsWith("BTC/USDT 1h f {} 12 ", Assert.Single(await WatchersAsync()), StringComparison.Ordinal);

        // Added again in A: a greater version reactivates it.
        await _host.PostAsync(Payload.Insert(_user, "BTC/USDT", 13), _secret);
        Assert.StartsWith("BTC/USDT 1h t {} 13 ", Assert.Single(await WatchersAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_that_moves_a_symbol_to_another_key_deactivates_the_old_key_and_writes_the_new()
    {
        await _host.PostAsync(Payload.Insert(_user, "BTC/USDT", 10), _secret);
        var move = Payload.Change("UPDATE", Payload.Row(_user, "ETH/USDT", "4h", 14), Payload.Row(_user, "BTC/USDT", "1h", 10), 14);

        var response = await _host.PostAsync(move, _secret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ETH/USDT", Payload.Json(await response.Content.ReadAsStringAsync()).GetProperty("symbol").GetString());
        var watchers = await WatchersAsync();
        Assert.Equal(2, watchers.Count);
        Assert.StartsWith("BTC/USDT 1h f {} 14 ", watchers[0], StringComparison.Ordinal);
        Assert.StartsWith("ETH/USDT 4h t {} 14 ", watchers[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watcher_becoming_active_without_fresh_data_gets_one_ingestion_job_at_once()
    {
        var (fresh, stale) = (Payload.UniqueSymbol(), Payload.UniqueSymbol());
        await Sql.ExecuteAsync(db.Trading, """
            insert into public.indicators (symbol, timeframe, at, source) values
              ($1, '1h', now() - interval '5 minutes', 'internal'),
              ($2, '1h', now() - interval '3 hours', 'internal')
            """, fresh, stale);
        Task<long> JobsAsync(string symbol) =>
            Sql.ScalarAsync<long>(db.Trading, "select count(*) from pgmq.q_ingest_indicators where message ->> 'symbol' = $1 and message ->> 'timeframe' = '1h'", symbol);
        var otherUser = Guid.NewGuid();

        await _host.PostAsync(Payload.Insert(_user, fresh, 10), _secret);
        await _host.PostAsync(Payload.Insert(_user, stale, 11, active: false), _secret);
        Assert.Equal(0, await JobsAsync(fresh));
        Assert.Equal(0, await JobsAsync(stale));

        await _host.PostAsync(Payload.Update(_user, stale, 12, active: true), _secret);
        Assert.Equal(1, await JobsAsync(stale));
        var job = Payload.Json(await Sql.ScalarAsync<string>(db.Trading,
            "select message::text from pgmq.q_ingest_indicators where message ->> 'symbol' = $1", stale));
        Assert.Equal(_user, job.GetProperty("user_id").GetGuid());

        // Already active, or a job already waiting for the pair: nothing more.
        await _host.PostAsync(Payload.Update(_user, stale, 13, active: true, strategy: """{"n": 1}"""), _secret);
        await _host.PostAsync(Payload.Insert(otherUser, stale, 14), _secret);
        Assert.Equal(1, await JobsAsync(stale));
        await Sql.ExecuteAsync(db.Trading, "delete from public.watchers where user_id = $1", otherUser);
    }

    [Fact]
    public async Task A_batch_is_applied_in_order_and_answered_with_how_many_changed_B()
    {
        var batch = Payload.Batch(
            Payload.Insert(_user, "BTC/USDT", 10),
            Payload.Insert(_user, "ETH/USDT", 11, strategy: """{"risk": "low"}"""),
            // A later change of a key earlier in the same batch sees that change's row.
            Payload.Update(_user, "BTC/USDT", 12, active: false),
            // Older than what B now holds for BTC: acknowledged, changes nothing.
            Payload.Update(_user, "BTC/USDT", 11, active: true));

        var response = await _host.PostAsync(batch, _secret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = Payload.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal(["applied", "events", "success", "timestamp"], reply.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(4, reply.GetProperty("events").GetInt32());
        Assert.Equal(3, reply.GetProperty("applied").GetInt32());
        var watchers = await WatchersAsync();
        Assert.Equal(2, watchers.Count);
        Assert.StartsWith("BTC/USDT 1h f {} 12 ", watchers[0], StringComparison.Ordinal);
        Assert.StartsWith("""ETH/USDT 1h t {"risk": "low"} 11 """, watchers[1], StringComparison.Ordinal);

        // The same batch again is a replay of every event.
        var replay = Payload.Json(await (await _host.PostAsync(batch, _secret)).Content.ReadAsStringAsync());
        Assert.Equal(0, replay.GetProperty("applied").GetInt32());
        Assert.Equal(watchers, await WatchersAsync());
    }

    [Fact]
    public async Task A_batch_with_one_bad_event_or_too_many_events_gets_400_saying_which_and_writes_nothing()
    {
        var bad = Payload.Batch(Payload.Insert(_user, "BTC/USDT", 10), Payload.Insert(_user, "not a symbol", 11));
        var tooMany = Payload.Batch([.. Enumerable.Range(0, 201).Select(i => Payload.Insert(_user, $"C{i}/USDT", 100 + i))]);
        var empty = Payload.Batch();

        // 201 events are more bytes than the default body limit, which would refuse them first.
        await using var roomy = await ReceiverHost.StartAsync(db, _secret, settings: new Dictionary<string, string?>
        {
            ["Webhooks:MaxBodyBytes"] = "1048576",
        });

        var badResponse = await _host.PostAsync(bad, _secret);
        var tooManyResponse = await roomy.PostAsync(tooMany, _secret);
        var emptyResponse = await _host.PostAsync(empty, _secret);

        Assert.Equal(HttpStatusCode.BadRequest, badResponse.StatusCode);
        Assert.StartsWith("events[1]: 'record'.symbol must look like BTC/USDT",
            (await ProblemAsync(badResponse)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooManyResponse.StatusCode);
        Assert.Equal("A BATCH carries 1 to 200 events, not 201.",
            (await ProblemAsync(tooManyResponse)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, emptyResponse.StatusCode);
        Assert.Empty(await WatchersAsync());
    }

    [Fact]
    public async Task A_batch_whose_write_fails_in_B_writes_none_of_its_events()
    {
        // B refuses the batch's third write, as a constraint or a broken trigger would.
        var refused = Payload.UniqueSymbol();
        await Sql.ExecuteAsync(db.Trading, $$"""
            create function test_refuse_watcher() returns trigger language plpgsql as $f$
            begin
              if new.symbol = '{{refused}}' then raise exception 'refused for the test'; end if;
              return new;
            end $f$;
            create trigger test_refuse_watcher before insert on public.watchers for each row execute function test_refuse_watcher();
            """);
        try
        {
            var batch = Payload.Batch(
                Payload.Insert(_user, "BTC/USDT", 10), Payload.Insert(_user, "ETH/USDT", 11), Payload.Insert(_user, refused, 12));

            var response = await _host.PostAsync(batch, _secret);

            Assert.False(response.IsSuccessStatusCode);
            Assert.Empty(await WatchersAsync());
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "drop function test_refuse_watcher() cascade");
        }
    }
}

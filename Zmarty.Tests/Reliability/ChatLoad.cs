using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Zmarty.AppHost.Commands;

using Zmarty.Testing;

namespace Zmarty.Tests.Reliability;

/// <summary>
/// One chat as the client saw it: the Idempotency-Key it sent (every chat has its own, so the ledger's
/// request ids name the chat), the status, how many tokens reached it, and the charge <c>done</c> (or
/// the JSON reply) told it, when one came.
/// </summary>
internal sealed record ChatSeen(Guid User, string Key, bool Streamed, int? Status, int Tokens, int? Charged, string? Error)
{
    /// <summary>The client holds a reply, or part of one: it must be charged, once.</summary>
    public bool Delivered => Charged is not null || Tokens > 0;
}

/// <summary>
/// Clients chatting with the running Api until told to stop, one loop per user, JSON and SSE in turn,
/// recording what each chat delivered. The users are enterprise users with credits enough for any run.
/// </summary>
internal sealed class ChatLoad(Uri api, IReadOnlyList<(Guid Id, string Token)> users)
{
    private readonly ConcurrentQueue<ChatSeen> _seen = new();

    public IReadOnlyCollection<ChatSeen> Seen => _seen;

    public IEnumerable<Guid> Users => users.Select(u => u.Id);

    public static async Task<ChatLoad> ForNewUsersAsync(TestSystem app, int count)
    {
        var chat = app.GetConnectionString("chat");
        var secret = app.GetParameterValue("jwt-secret");
        var created = new List<(Guid, string)>();
        await using var database = Npgsql.NpgsqlDataSource.Create(chat);
        for (var i = 0; i < count; i++)
        {
            var email = $"load-{Guid.NewGuid():N}@example.com";
            var id = await DevTokens.EnsureUserAsync(chat, email);
            await using (var tier = database.CreateCommand("update public.user_profiles set tier = 'enterprise' where id = $1"))
            {
                tier.Parameters.Add(new() { Value = id });
                await tier.ExecuteNonQueryAsync();
            }

            await using (var grant = database.CreateCommand("select public.credits_grant($1, 1000000, 'topup', $2)"))
            {
                grant.Parameters.Add(new() { Value = id });
                grant.Parameters.Add(new() { Value = $"load-topup:{id}" });
                await grant.ExecuteNonQueryAsync();
            }

            created.Add((id, DevTokens.CreateAccessToken(secret, id, email, DateTimeOffset.UtcNow, TimeSpan.FromHours(2))));
        }

        return new ChatLoad(app.GetEndpoint("api"), created);
    }

    /// <summary>Chats until <paramref name="stop"/> is cancelled; a chat under way is finished first.</summary>
    public Task RunAsync(CancellationToken stop) => Task.WhenAll(users.Select(user => Task.Run(async () =>
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(90) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", user.Token);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            _seen.Enqueue(await ChatOnceAsync(http, user.Id, streamed: n % 2 == 0));
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    })));

    private static async Task<ChatSeen> ChatOnceAsync(HttpClient http, Guid user, bool streamed)
    {
        var key = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = JsonContent.Create(new { message = "How does BTC look?", stream = streamed }),
        };
        request.Headers.Add("Idempotency-Key", key);
        var tokens = 0;
        int? status = null;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            status = (int)response.StatusCode;
            if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    using var data = JsonDocument.Parse(line["data: ".Length..]);
                    switch (data.RootElement.GetProperty("type").GetString())
                    {
                        case "token":
                            tokens++;
                            break;
                        case "done":
                            var charged = data.RootElement.GetProperty("credits_charged").GetInt32();
                            return new(user, key, streamed, status, tokens, charged, null);
                    }
                }

                return new(user, key, streamed, status, tokens, null, "the stream ended without done");
            }

            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                using var reply = JsonDocument.Parse(body);
                return new(user, key, streamed, status, 0, reply.RootElement.GetProperty("credits_charged").GetInt32(), null);
            }

            return new(user, key, streamed, status, 0, null, body.Length > 200 ? body[..200] : body);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or JsonException)
        {
            return new(user, key, streamed, status, tokens, null, ex.GetType().Name + ": " + ex.Message);
        }
    }
}

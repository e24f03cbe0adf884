using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Api.Auth;
using Zmarty.Api.Credits;
using Zmarty.Api.Errors;
using Zmarty.Api.Limits;

namespace Zmarty.Api.Conversations;

/// <summary>
/// The caller's conversations: list them, read one's messages, rename or archive one, delete one (its messages with it;
/// the ledger keeps its charges). <c>POST /chat</c> writes them, in the transaction of each charge; these endpoints
/// never add a message. Every query is bound to the caller's id, so someone else's conversation is a 404 like an
/// unknown one.
/// </summary>
public static class ConversationsApi
{
    public const int DefaultPageSize = 20;
    public const int DefaultMessagePageSize = 50;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("/me/conversations").RequireAuthorization().LimitedPerUser().WithTags("Conversations")
            .ProducesErrors(StatusCodes.Status401Unauthorized);
        conversations.MapGet("", ListAsync)
            .WithName("ListConversations")
            .WithSummary("The caller's conversations, most recently continued first (keyset pages), with their message counts.")
            .ProducesErrors(StatusCodes.Status400BadRequest);
        conversations.MapGet("/{id:guid}/messages", MessagesAsync)
            .WithName("ConversationMessages")
            .WithSummary("One conversation's messages, newest first (keyset pages).")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        conversations.MapPatch("/{id:guid}", ChangeAsync)
            .Accepts<ConversationChange>("application/json")
            .WithName("ChangeConversation")
            .WithSummary("Rename a conversation, or archive or unarchive it.")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);
        conversations.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteConversation")
            .WithSummary("Delete a conversation and its messages; the ledger keeps the charges.")
            .ProducesErrors(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>A conversation; <c>updated_at</c> moves when a turn is added, not when it is renamed or archived.</summary>
    public sealed record Conversation(
        Guid Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool Archived, long MessageCount);

    /// <summary>A page of conversations; pass <c>next_before</c> as <c>before</c> for the next one (null: no more).</summary>
    public sealed record ConversationPage(IReadOnlyList<Conversation> Items, string? NextBefore);

    /// <summary>
    /// A message as the user saw it. An assistant's carries what it cost: <c>provider</c>, <c>model</c>, the reported
    /// tokens, <c>credits</c>; <c>partial</c> when the stream was cut and this is the delivered part.
    /// </summary>
    public sealed record ConversationMessage(
        long Id, string Role, string Content, string? Provider, string? Model, int? InputTokens, int? OutputTokens, int? Credits,
        string RequestId, bool Partial, DateTimeOffset CreatedAt);

    /// <summary>A page of messages, newest first; pass <c>next_before</c> as <c>before</c> for older ones (null: no more).</summary>
    public sealed record MessagePage(IReadOnlyList<ConversationMessage> Items, long? NextBefore);

    /// <summary>What to change: a new <c>title</c> (1 to 200 characters), <c>archived</c>, or both.</summary>
    public sealed record ConversationChange(string? Title, bool? Archived);

    private const string ConversationColumns = """
        c.id, c.title, c.created_at, c.updated_at, c.archived,
        (select count(*) from public.conversation_messages m where m.conversation_id = c.id)
        """;

    // Query values are read as text and parsed here, so a malformed one is a 400 naming it, not the binder's exception.
    private static async Task<Results<Ok<ConversationPage>, ProblemHttpResult>> ListAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, string? limit, string? before, string? archived)
    {
        if (Limit(limit, DefaultPageSize) is not { } size)
        {
            return ApiErrors.BadRequest($"limit must be a whole number between 1 and {MaxPageSize}.");
        }

        bool? onlyArchived = archived switch
        {
            null => false,
            "true" => true,
            "false" => false,
            _ => null,
        };
        if (onlyArchived is null)
        {
            return ApiErrors.BadRequest("archived must be true or false.");
        }

        (DateTimeOffset At, Guid Id)? cursor = null;
        if (before is not null)
        {
            cursor = Cursor.Parse(before);
            if (cursor is null)
            {
                return ApiErrors.BadRequest("before must be the next_before of a previous page.");
            }
        }

        await using var command = chat.CreateCommand($"""
            select {ConversationColumns}
            from public.conversations c
            where c.user_id = $1 and c.archived = $2
              and ($3::timestamptz is null or (c.updated_at, c.id) < ($3::timestamptz, $4::uuid))
            order by c.updated_at desc, c.id desc
            limit $5
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        command.Parameters.Add(new NpgsqlParameter { Value = onlyArchived.Value });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)cursor?.At ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cursor?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = size });
        var items = new List<Conversation>();
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        while (await reader.ReadAsync(http.RequestAborted))
        {
            items.Add(Read(reader));
        }

        return TypedResults.Ok(new ConversationPage(items, items.Count == size ? Cursor.Format(items[^1]) : null));
    }

    private static async Task<Results<Ok<MessagePage>, ProblemHttpResult>> MessagesAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, Guid id, string? limit, string? before)
    {
        if (Limit(limit, DefaultMessagePageSize) is not { } size)
        {
            return ApiErrors.BadRequest($"limit must be a whole number between 1 and {MaxPageSize}.");
        }

        long? after = null;
        if (before is not null)
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
            {
                return ApiErrors.BadRequest("before must be the next_before of a previous page.");
            }

            after = parsed;
        }

        var user = http.User.UserId();
        await using (var exists = chat.CreateCommand("select 1 from public.conversations where id = $1 and user_id = $2"))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = id });
            exists.Parameters.Add(new NpgsqlParameter { Value = user });
            if (await exists.ExecuteScalarAsync(http.RequestAborted) is null)
            {
                return NotFound(id);
            }
        }

        await using var command = chat.CreateCommand("""
            select id, role, content, provider, model, input_tokens, output_tokens, credits, request_id, partial, created_at
            from public.conversation_messages
            where conversation_id = $1 and user_id = $2 and ($3::bigint is null or id < $3)
            order by id desc
            limit $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = size });
        var items = new List<ConversationMessage>();
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        while (await reader.ReadAsync(http.RequestAborted))
        {
            items.Add(new ConversationMessage(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetInt32(7),
                reader.GetString(8), reader.GetBoolean(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }

        return TypedResults.Ok(new MessagePage(items, items.Count == size ? items[^1].Id : null));
    }

    private static async Task<Results<Ok<Conversation>, ProblemHttpResult>> ChangeAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, Guid id)
    {
        var (body, refusal) = await ReadChangeAsync(http.Request);
        if (body is null)
        {
            return refusal!;
        }

        if (body.Title is null && body.Archived is null)
        {
            return ApiErrors.BadRequest("Send title (1 to 200 characters), archived (true or false), or both.");
        }

        var title = body.Title?.Trim();
        if (title is not null)
        {
            if (title.Length is 0 or > 200)
            {
                return ApiErrors.BadRequest("title must be 1 to 200 characters, not only spaces.");
            }

            var at = StorableText.FirstUnstorable(title);
            if (at >= 0)
            {
                return ApiErrors.Problem(StatusCodes.Status400BadRequest, ApiErrors.InvalidText, title[at] == '\0'
                    ? $"title contains U+0000 (NUL) at character {at}; remove it."
                    : $"title is not valid Unicode: a lone surrogate at character {at}.");
            }
        }

        await using var command = chat.CreateCommand($"""
            update public.conversations c
            set title = coalesce($3, c.title), archived = coalesce($4, c.archived)
            where c.id = $1 and c.user_id = $2
            returning {ConversationColumns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)title ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)body.Archived ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        return await reader.ReadAsync(http.RequestAborted) ? TypedResults.Ok(Read(reader)) : NotFound(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, Guid id)
    {
        // The messages go by the foreign key's cascade; the ledger's rows name request ids, not conversations, and stay.
        await using var command = chat.CreateCommand("delete from public.conversations where id = $1 and user_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        return await command.ExecuteNonQueryAsync(http.RequestAborted) > 0 ? TypedResults.NoContent() : NotFound(id);
    }

    private static int? Limit(string? text, int fallback) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxPageSize ? value
        : null;

    /// <summary>The body read strictly, so a wrong type is a 400 naming the member rather than the binder's exception.</summary>
    private static async Task<(ConversationChange? Change, ProblemHttpResult? Refusal)> ReadChangeAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return (null, ApiErrors.Problem(StatusCodes.Status415UnsupportedMediaType, ApiErrors.InvalidRequest,
                "Send the change as application/json."));
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { AllowDuplicateProperties = false },
                request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return (null, ApiErrors.BadRequest("The body is not valid JSON; send {\"title\": \"…\"} and/or {\"archived\": true}."));
        }
        catch (InvalidOperationException)
        {
            // A member's name escapes a lone surrogate: the parser meets it comparing names.
            return (null, ApiErrors.Problem(StatusCodes.Status400BadRequest, ApiErrors.InvalidText,
                "The body is not valid Unicode: a member's name escapes a lone surrogate."));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, ApiErrors.BadRequest("The body must be a JSON object with title, archived, or both."));
            }

            string? title = null;
            if (root.TryGetProperty("title", out var titleValue) && titleValue.ValueKind != JsonValueKind.Null)
            {
                if (titleValue.ValueKind != JsonValueKind.String)
                {
                    return (null, ApiErrors.BadRequest("title must be a string of 1 to 200 characters."));
                }

                try
                {
                    title = titleValue.GetString();
                }
                catch (InvalidOperationException)
                {
                    return (null, ApiErrors.Problem(StatusCodes.Status400BadRequest, ApiErrors.InvalidText,
                        "title is not valid Unicode: it escapes a lone surrogate."));
                }
            }

            bool? archived = null;
            if (root.TryGetProperty("archived", out var archivedValue) && archivedValue.ValueKind != JsonValueKind.Null)
            {
                if (archivedValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return (null, ApiErrors.BadRequest("archived must be true or false."));
                }

                archived = archivedValue.GetBoolean();
            }

            return (new ConversationChange(title, archived), null);
        }
    }

    private static Conversation Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetBoolean(4), reader.GetInt64(5));

    private static ProblemHttpResult NotFound(Guid id) =>
        ApiErrors.Problem(StatusCodes.Status404NotFound, ApiErrors.NotFound, $"You have no conversation with id {id}.");

    /// <summary>
    /// A page's end as <c>{updated_at in unix microseconds}_{id}</c>: A's timestamps are microseconds, so the next page
    /// starts exactly after it, even when two conversations were touched in the same millisecond.
    /// </summary>
    private static class Cursor
    {
        public static string Format(Conversation last)
        {
            var micros = (last.UpdatedAt - DateTimeOffset.UnixEpoch).Ticks / 10;
            return string.Create(CultureInfo.InvariantCulture, $"{micros}_{last.Id:N}");
        }

        public static (DateTimeOffset At, Guid Id)? Parse(string text)
        {
            var parts = text.Split('_');
            return parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
                && micros <= DateTimeOffset.MaxValue.Subtract(DateTimeOffset.UnixEpoch).Ticks / 10
                && Guid.TryParseExact(parts[1], "N", out var id)
                ? (DateTimeOffset.UnixEpoch.AddTicks(micros * 10), id)
                : null;
        }
    }
}

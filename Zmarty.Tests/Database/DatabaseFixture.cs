using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Text.Json;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;

namespace Zmarty.Tests.Database;

/// <summary>
/// Starts both local Supabase databases once (free ports, throw-away data directory, every
/// migration applied) for all database tests, without the services.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private TestSystem? _app;
    private NpgsqlDataSource? _chat;
    private NpgsqlDataSource? _trading;

    public TestSystem App => _app ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>Supabase A as the superuser (what the migrations and the signup trigger run as).</summary>
    public NpgsqlDataSource Chat => _chat ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>Supabase B as the superuser.</summary>
    public NpgsqlDataSource Trading => _trading ?? throw new InvalidOperationException("The fixture is not started.");

    public async Task InitializeAsync()
    {
        _app = await TestSystem.StartAsync(b => b.WithoutProjects());
        _chat = CreateDataSource(_app.GetConnectionString("chat"));
        _trading = CreateDataSource(_app.GetConnectionString("trading"));
    }

    private static NpgsqlDataSource CreateDataSource(string connectionString) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = 80,
            // credits_hold puts {balance, available, required} in the error detail, which Npgsql hides by default.
            IncludeErrorDetail = true,
        }.ConnectionString);

    public async Task DisposeAsync()
    {
        if (_chat is not null)
        {
            await _chat.DisposeAsync();
        }

        if (_trading is not null)
        {
            await _trading.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// Signs a user up the way Supabase Auth does: a row in auth.users, from which the trigger
    /// creates the profile and grants the signup bonus.
    /// </summary>
    public Task<Guid> CreateUserAsync(string? tier = null) => CreateUserAsync(Chat, tier);

    /// <summary><see cref="CreateUserAsync(string?)"/> in any Supabase A, such as a whole system's.</summary>
    public static async Task<Guid> CreateUserAsync(NpgsqlDataSource chat, string? tier = null)
    {
        var id = Guid.NewGuid();
        await using (var insert = chat.CreateCommand(
            "insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data) " +
            "values ($1, 'authenticated', 'authenticated', $2, $3::jsonb, $4::jsonb)"))
        {
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = $"{id:N}@example.com" });
            insert.Parameters.Add(new() { Value = """{"provider":"email","providers":["email"]}""" });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(new { full_name = "Test User" }) });
            await insert.ExecuteNonQueryAsync();
        }

        if (tier is not null)
        {
            await using var update = chat.CreateCommand("update public.user_profiles set tier = $2 where id = $1");
            update.Parameters.Add(new() { Value = id });
            update.Parameters.Add(new() { Value = tier });
            await update.ExecuteNonQueryAsync();
        }

        return id;
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "Database";
}

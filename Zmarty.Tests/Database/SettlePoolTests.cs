using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ApiExtensions = Zmarty.Api.Extensions.Extensions;

namespace Zmarty.Tests.Database;

/// <summary>
/// The Api's connections to A, split as it registers them: a charge through the reserved <c>chat-settle</c> data source
/// goes through while reads hold every connection of <c>chat</c>.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SettlePoolTests(DatabaseFixture db)
{
    [Theory]
    [InlineData("4", 3, 1)]
    [InlineData(null, 12, 4)]
    public async Task The_pool_is_split_into_reads_and_a_reserve_of_the_same_total(string? configured, int reads, int reserve)
    {
        using var host = Build(configured);

        Assert.Equal(reads, PoolSize(host, "chat"));
        Assert.Equal(reserve, PoolSize(host, ApiExtensions.SettleDataSource));
        await using var connection = await host.Services.GetRequiredKeyedService<NpgsqlDataSource>(ApiExtensions.SettleDataSource)
            .OpenConnectionAsync();
        Assert.Equal(1, await Sql.ScalarAsync<int>(connection, "select 1"));
    }

    [Fact]
    public async Task With_every_read_connection_held_a_hold_and_its_charge_go_through_the_reserve()
    {
        using var host = Build("4", "Timeout=2");
        var chat = host.Services.GetRequiredKeyedService<NpgsqlDataSource>("chat");
        var settle = host.Services.GetRequiredKeyedService<NpgsqlDataSource>(ApiExtensions.SettleDataSource);
        var user = await db.CreateUserAsync();
        var held = new List<NpgsqlConnection>();
        try
        {
            // Reads that have taken all three connections of chat (a burst of /me requests, contexts being read).
            for (var i = 0; i < 3; i++)
            {
                held.Add(await chat.OpenConnectionAsync());
            }

            await Assert.ThrowsAsync<NpgsqlException>(() => chat.OpenConnectionAsync().AsTask());

            var requestId = $"settle-pool:{Guid.NewGuid()}";
            await Sql.ScalarAsync<object>(settle, "select public.credits_hold($1, 5, $2)::text", user, requestId);
            await Sql.ScalarAsync<object>(settle, "select public.credits_settle($1, 3, 'grok')::text", requestId);

            Assert.Equal(97L, await Sql.ScalarAsync<long>(db.Chat, "select balance from public.credit_accounts where user_id = $1", user));
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private IHost Build(string? maxPoolSize, string extra = "")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration["ConnectionStrings:chat"] = $"{db.App.GetConnectionString("chat")};{extra}".TrimEnd(';');
        builder.Configuration["Database:MaxPoolSize"] = maxPoolSize;
        ApiExtensions.AddChatDataSources(builder);
        return builder.Build();
    }

    private static int PoolSize(IHost host, string name) =>
        new NpgsqlConnectionStringBuilder(host.Services.GetRequiredKeyedService<NpgsqlDataSource>(name).ConnectionString).MaxPoolSize;
}

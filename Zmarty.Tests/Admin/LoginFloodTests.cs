using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Net;
using Npgsql;
using Xunit.Abstractions;
using Zmarty.Testing;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Chat;

namespace Zmarty.Tests.Admin;

/// <summary>A password-guessing flood on the running AdminUi, and what it leaves in B's error log.</summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class LoginFloodTests(ITestOutputHelper output)
{
    private const string Login = "Zmarty.AdminUi.Components.Pages.Login.Login";

    [Fact]
    public async Task Two_hundred_wrong_passwords_from_many_addresses_add_at_most_twenty_error_rows()
    {
        await using var app = await TestSystem.StartAsync(b =>
        {
            foreach (var service in new[] { "worker", "api", "emulators" })
            {
                b.RemoveResource(service);
            }

            // A shorter window than the minute of a deployment, so the summary row comes soon after the flood.
            b.GetResource<ProjectResource>("admin")
                .WithEnvironment("Admin__Password", "correct-horse-battery-staple")
                .WithEnvironment("Admin__KnownProxies__0", "127.0.0.1")
                .WithEnvironment("ErrorLog__RateWindow", "00:00:10");
        });
        await using var trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        using var login = new AdminLogin(app.GetEndpoint("admin"));
        var since = DateTimeOffset.UtcNow;

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            using var response = await login.PostPasswordAsync($"guess-{attempt}", forwardedFor: $"198.51.100.{attempt}");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(200, statuses.Count(s => s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        const string Summary = "properties ? 'suppressed'";
        Assert.True(await Chats.EventuallyAsync(async () => await CountAsync(trading, since, Summary) >= 2, seconds: 60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var rows = await CountAsync(trading, since, "true");
        var summaries = await CountAsync(trading, since, Summary);
        var suppressed = await CountAsync(trading, since, Summary, "coalesce(sum((properties ->> 'suppressed')::bigint), 0)");

        output.WriteLine($"200 wrong passwords: {rows} rows ({summaries} summaries), {suppressed} entries counted in summaries");
        Assert.InRange(rows, 2, 20);
        Assert.Equal(200, rows - summaries + suppressed);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource trading, DateTimeOffset since, string filter, string what = "count(*)")
    {
        await using var command = trading.CreateCommand(
            $"select {what}::bigint from ops.error_log where service = 'admin' and at >= $1 "
            + $"and properties ->> 'category' = $2 and {filter}");
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        command.Parameters.Add(new NpgsqlParameter { Value = Login });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

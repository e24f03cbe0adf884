using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Zmarty.Api.Errors;
using Zmarty.AppHost.Commands;

namespace Zmarty.Tests.Chat;

/// <summary>Every error the database raises for a caller's mistake reaches the caller as a 4xx in the contract's shape.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed partial class DatabaseErrorTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [GeneratedRegex(@"errcode\s*=\s*'(Z[A-Z]\d{3})'")]
    private static partial Regex RaisedCode();

    [Fact]
    public void Every_code_a_migration_raises_maps_to_a_4xx_with_the_contracts_error()
    {
        var root = AppHostAssembly.FindRepositoryRoot();
        var raised = Directory.GetFiles(Path.Combine(root, "supabase"), "*.sql", SearchOption.AllDirectories)
            .SelectMany(file => RaisedCode().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("ZS404", raised);
        Assert.Contains("ZC402", raised);
        foreach (var code in raised)
        {
            var problem = DatabaseErrors.Problem(new PostgresException("what went wrong", "ERROR", "ERROR", code));
            Assert.True(problem is not null, $"{code} is raised by a migration but has no 4xx in DatabaseErrors.Codes");
            Assert.InRange(problem.StatusCode, 400, 499);
            Assert.Equal("what went wrong", problem.ProblemDetails.Extensions["message"]);
            Assert.False(string.IsNullOrEmpty(problem.ProblemDetails.Extensions["error"] as string));
        }
    }

    [Fact]
    public async Task A_strategy_over_4_KB_is_a_400_that_says_so_and_nothing_is_written()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        var strategy = new Dictionary<string, string> { ["notes"] = new string('x', 5000) };

        using var response = await api.PostAsJsonAsync("/me/symbols", new { symbol = "BTC/USDT", strategy });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_request", error.Str("error"));
        Assert.Contains("4096 bytes", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(0L, await system.ScalarAsync<long>(
            system.Chat, "select count(*) from public.user_symbols where user_id = $1", user.Id));
    }

    [Fact]
    public async Task A_user_without_a_profile_adding_a_symbol_is_a_403_not_a_500()
    {
        var user = await system.CreateUserAsync();
        await system.ScalarAsync<object>(
            system.Chat, "with d as (delete from public.user_profiles where id = $1 returning 1) select count(*) from d", user.Id);
        using var api = system.CreateApiClient(user.Token);

        using var response = await api.PostAsJsonAsync("/me/symbols", new { symbol = "BTC/USDT" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("forbidden", error.Str("error"));
        Assert.Contains("no profile", error.Str("message"), StringComparison.Ordinal);
    }
}

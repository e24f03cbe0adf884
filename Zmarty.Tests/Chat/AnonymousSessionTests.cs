using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Zmarty.Api.Auth;
using Zmarty.AppHost.Commands;

namespace Zmarty.Tests.Chat;

/// <summary>An anonymous Supabase session (role authenticated, <c>is_anonymous: true</c>) against what costs money.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class AnonymousSessionTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task An_anonymous_session_is_refused_what_costs_money_with_403_and_may_read_its_own_data()
    {
        var user = Guid.NewGuid();
        await system.ScalarAsync<object>(system.Chat, """
            with inserted as (
              insert into auth.users (id, aud, role, raw_app_meta_data, is_anonymous)
              values ($1, 'authenticated', 'authenticated', '{}', true) returning 1)
            select count(*) from inserted
            """, user);
        var token = DevTokens.CreateAccessToken(system.JwtSecret, user, "", DateTimeOffset.UtcNow, TimeSpan.FromHours(1), anonymous: true);
        using var api = system.CreateApiClient(token);

        using var chat = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = JsonContent.Create(new { message = "How does BTC look?" }),
        };
        chat.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        List<HttpResponseMessage> paid =
        [
            await api.SendAsync(chat),
            await api.PostAsJsonAsync("/me/symbols", new { symbol = "BTC/USDT" }),
            await api.PatchAsJsonAsync("/me/symbols/1", new { active = true }),
            await api.GetAsync("/me/signals"),
        ];
        using var profile = await api.GetAsync("/me/profile");
        using var credits = await api.GetAsync("/me/credits");

        foreach (var response in paid)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("anonymous_not_allowed", error.Str("error"));
            response.Dispose();
        }

        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal(0, JsonDocument.Parse(await credits.Content.ReadAsStringAsync()).RootElement.Int("balance"));
        Assert.Equal(0L, await system.ScalarAsync<long>(system.Chat, "select count(*) from public.user_symbols where user_id = $1", user));
        Assert.Equal(0L, await system.ScalarAsync<long>(system.Chat, "select count(*) from public.credit_holds where user_id = $1", user));
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, false, true)]
    [InlineData(true, true, true)]
    [InlineData(false, true, false)]
    public async Task The_paid_policy_lets_a_real_account_through_and_an_anonymous_one_only_when_allowed(
        bool allowAnonymous, bool anonymous, bool allowed)
    {
        var handler = new PaidAccess.NotAnonymousHandler(Options.Create(new SupabaseAuthOptions { AllowAnonymous = allowAnonymous }));
        var requirement = new PaidAccess.NotAnonymous();
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim("sub", Guid.NewGuid().ToString()),
                new Claim(PaidAccess.AnonymousClaim, anonymous ? "true" : "false", ClaimValueTypes.Boolean),
            ],
            "Bearer"));
        var context = new AuthorizationHandlerContext([requirement], user, null);

        await handler.HandleAsync(context);

        Assert.Equal(allowed, context.HasSucceeded);
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Zmarty.Api.Errors;

namespace Zmarty.Api.Auth;

/// <summary>
/// What costs money (credits, or the shared market data budget) needs a real account: Supabase hands an anonymous
/// sign-in (<c>is_anonymous: true</c>) a token of role <c>authenticated</c> to anyone who asks, so without this a
/// script could open sessions and spend. The <see cref="Policy"/> refuses such tokens with 403
/// <c>anonymous_not_allowed</c>, unless <see cref="SupabaseAuthOptions.AllowAnonymous"/>.
/// </summary>
public static class PaidAccess
{
    public const string Policy = "paid";

    /// <summary>Supabase's claim for an anonymous sign-in.</summary>
    public const string AnonymousClaim = "is_anonymous";

    public static bool IsAnonymous(this ClaimsPrincipal user) =>
        string.Equals(user.FindFirstValue(AnonymousClaim), "true", StringComparison.OrdinalIgnoreCase);

    public static void AddPaidAccess(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.RequireAuthenticatedUser().AddRequirements(new NotAnonymous()));
        services.AddSingleton<IAuthorizationHandler, NotAnonymousHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AnonymousRefusal>();
    }

    public sealed class NotAnonymous : IAuthorizationRequirement;

    public sealed class NotAnonymousHandler(IOptions<SupabaseAuthOptions> options) : AuthorizationHandler<NotAnonymous>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, NotAnonymous requirement)
        {
            if (options.Value.AllowAnonymous || !context.User.IsAnonymous())
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>A refusal by <see cref="NotAnonymous"/> says so in the contract's shape; every other outcome is the default's.</summary>
    public sealed class AnonymousRefusal : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(
            RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<NotAnonymous>().Any() == true)
            {
                await ApiErrors.Problem(StatusCodes.Status403Forbidden, ApiErrors.AnonymousNotAllowed,
                    "Anonymous sessions cannot use what costs credits or market data: sign up or sign in with an e-mail first.")
                    .ExecuteAsync(context);
                return;
            }

            await _default.HandleAsync(next, context, policy, authorizeResult);
        }
    }
}

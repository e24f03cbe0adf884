using Microsoft.Extensions.Options;
using Npgsql;
using Scalar.AspNetCore;
using Zmarty.Api.Auth;
using Zmarty.Api.Browser;
using Zmarty.Api.Chat;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Chat.Router;
using Zmarty.Api.Conversations;
using Zmarty.Api.Credits;
using Zmarty.Api.Errors;
using Zmarty.Api.Health;
using Zmarty.Api.Limits;
using Zmarty.Api.Telemetry;
using Zmarty.Api.Users;
using Zmarty.Api.Voice;
using Zmarty.Api.Webhooks;

namespace Zmarty.Api.Extensions;

internal static class Extensions
{
    /// <summary>
    /// The Api's pool size to each database where neither Database__MaxPoolSize nor the connection string names one. Npgsql's
    /// 100 let a burst open a backend per waiting query: on the 2-core benchmark machine, 200 backends for the two
    /// databases tripled the chat's p99 against 8 or 16 (docs/benchmarks.md), and a Supabase session pooler refuses
    /// clients past its pool size. No request holds two connections to one database, so waiting in the pool is safe.
    /// </summary>
    internal const int MaxPoolSize = 16;

    /// <summary>
    /// The keyed data source of A reserved for a chat's money calls (hold, charge, release: <c>CreditLedger</c> and
    /// <c>ChatLedger</c>), its own share of the instance's connections to A, so that reads (<c>/me/*</c>, contexts)
    /// holding every other connection can never make a charge wait for one. Same connection string and role.
    /// </summary>
    internal const string SettleDataSource = "chat-settle";

    /// <summary>The share reserved for <see cref="SettleDataSource"/>, unless <c>Database:SettlePoolSize</c> says.</summary>
    internal static int SettlePoolSize(int total) => Math.Max(1, total / 4);

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        foreach (var name in new[] { "chat", "trading" })
        {
            var connectionString = builder.Configuration.GetConnectionString(name);
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                var settings = new NpgsqlConnectionStringBuilder(connectionString)
                {
                    // credits_hold reports {balance, available, required} in the error detail, which Npgsql hides by default.
                    IncludeErrorDetail = true,
                    // Every chat runs the same few statements: prepare them once per connection.
                    MaxAutoPrepare = 32,
                    AutoPrepareMinUsages = 2,
                };
                builder.Configuration[$"ConnectionStrings:{name}"] = settings.ConnectionString;
            }
        }

        // The Api reads users, symbols and credits from A and trading data from B.
        builder.AddChatDataSources();
        builder.AddSupabaseDataSource("trading", MaxPoolSize);

        // A bad price stops the start, naming its key, instead of failing the first chat request.
        builder.Services.AddValidatedOptions<CreditPricingOptions, CreditPricingOptionsValidator>(CreditPricingOptions.SectionName);
        builder.AddWebhooks();
        builder.AddSupabaseAuth();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ApiErrors.AddContractMembers);
        builder.Services.AddExceptionHandler<TransientDatabaseErrors>();
        // A value the framework cannot bind is the caller's mistake: a 400 that names it, in every environment.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequests>();
        builder.Services.AddOpenApi(openApi => openApi
            .AddSchemaTransformer<OmittedNulls>()
            .AddOperationTransformer<ChatStreamDocument.Transformer>());
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = ChatApi.Json.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = ChatApi.Json.DefaultIgnoreCondition;
            // Numbers are numbers: the web defaults also read them from strings, which the OpenAPI document would
            // then declare as "integer or string" for every client.
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ZmartyTelemetry.Name));
        builder.Services.AddSingleton(TimeProvider.System);

        var chat = builder.Configuration.GetSection(ChatOptions.SectionName).Get<ChatOptions>() ?? new ChatOptions();
        builder.Services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ChatOptions>, ChatOptionsValidator>();
        builder.Services.AddOptions<TierOptions>().BindConfiguration(TierOptions.SectionName);
        builder.Services.AddOptions<CreditsOptions>().BindConfiguration(CreditsOptions.SectionName);
        builder.Services.AddOptions<VoiceOptions>().BindConfiguration(VoiceOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<VoiceOptions>, VoiceOptionsValidator>();
        builder.Services.AddSingleton(services => new CreditPricing(
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CreditPricingOptions>>().Value));

        ProviderClients.AddTo(builder.Services, chat);
        builder.Services.AddSingleton<ProviderClients>();
        builder.Services.AddSingleton<CreditLedger>();
        builder.Services.AddSingleton<UserContextStore>();
        builder.Services.AddSingleton<UserLimiter>();
        builder.Services.AddUserDataLimits();
        builder.Services.AddSingleton<ChatLedger>();
        builder.Services.AddSingleton<KnownProfiles>();
        builder.Services.AddSingleton<ChatService>();
        builder.Services.AddSingleton<AudioStore>();
        builder.Services.AddSingleton<AudioLinks>();
        builder.Services.AddHttpContextAccessor();
        builder.AddBrowserAccess();
        builder.Services.AddHttpClient<ElevenLabsClient>().RemoveAllResilienceHandlers();
        builder.Services.AddHostedService<ExpiredHoldReleaser>();
        builder.Services.AddValidatedOptions<ChatRetentionOptions, ChatRetentionOptionsValidator>(ChatRetentionOptions.SectionName);
        builder.Services.AddHostedService<ChatRetention>();
        builder.AddHealthz();
    }

    /// <summary>
    /// A's two data sources: <c>chat</c> and <see cref="SettleDataSource"/>, which split the instance's connections to A
    /// (<c>Database:MaxPoolSize</c>, the connection string's <c>Maximum Pool Size</c>, else <see cref="MaxPoolSize"/>), so
    /// a deployment's connection count (docs/deploy.md, "Connections") is what it was with one.
    /// </summary>
    internal static void AddChatDataSources(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("chat");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            // AddSupabaseDataSource stops the start with the message that names the variable.
            builder.AddSupabaseDataSource("chat", MaxPoolSize);
            return;
        }

        var total = SupabaseDataSources.PoolSize(builder.Configuration, connectionString, MaxPoolSize) ?? MaxPoolSize;
        var settle = builder.Configuration.GetValue<int?>("Database:SettlePoolSize") ?? SettlePoolSize(total);
        if (total < 2 || settle < 1 || settle >= total)
        {
            throw new InvalidOperationException(
                $"A's pool of {total} connections cannot reserve {settle} for settling charges (Database__SettlePoolSize): "
                + "the pool needs at least 2, and the reserve from 1 to one less than the pool.");
        }

        builder.Configuration["ConnectionStrings:chat"] =
            new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = total - settle }.ConnectionString;
        builder.Configuration[$"ConnectionStrings:{SettleDataSource}"] =
            new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = settle }.ConnectionString;
        // chat's health check covers the server; the reserve's own would take one of its few connections every probe.
        builder.Configuration[$"Aspire:Npgsql:{SettleDataSource}:DisableHealthChecks"] = "true";
        builder.AddSupabaseDataSource("chat");
        builder.AddSupabaseDataSource(SettleDataSource);
    }

    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        // The document maps every endpoint and its errors: published in Development, elsewhere only when asked for.
        if (app.Configuration.GetValue("OpenApi:Enabled", app.Environment.IsDevelopment()))
        {
            app.MapOpenApi();
        }

        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        // A chat costs credits: anonymous sessions are refused before it starts (PaidAccess).
        app.MapGroup("").RequireAuthorization(PaidAccess.Policy).MapChatApi();
        app.MapUsersApi();
        app.MapConversationsApi();
        app.MapAudioApi();
        return app;
    }
}

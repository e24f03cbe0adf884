using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalar.AspNetCore;
using Zmarty.Api.Auth;
using Zmarty.Api.Browser;
using Zmarty.Api.Chat;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Chat.Router;
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
        builder.AddSupabaseDataSource("chat", MaxPoolSize);
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
        app.MapAudioApi();
        return app;
    }
}

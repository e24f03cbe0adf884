using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class SupabaseDataSources
{
    /// <summary>
    /// The most connections an instance keeps to each database (<c>Database__MaxPoolSize</c>), unless its connection
    /// string names a <c>Maximum Pool Size</c>: a deployment sizes it so that instances × pool fits the project's pooler
    /// (docs/deploy.md, "Connections").
    /// </summary>
    public const string MaxPoolSizeKey = "Database:MaxPoolSize";

    /// <summary>
    /// Registers the keyed data source <paramref name="name"/> (Aspire.Npgsql: health check, tracing, metrics) from
    /// <c>ConnectionStrings__{name}</c>, and stops the start with a message naming the variable when it is missing:
    /// Aspire.Npgsql would only notice at the first query, leaving a service that runs but can do nothing.
    /// <paramref name="defaultMaxPoolSize"/> is the service's pool size where neither <see cref="MaxPoolSizeKey"/> nor
    /// the connection string names one (null: Npgsql's 100).
    /// </summary>
    public static IHostApplicationBuilder AddSupabaseDataSource(
        this IHostApplicationBuilder builder, string name, int? defaultMaxPoolSize = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"The connection string '{name}' is missing. Set ConnectionStrings__{name} " +
                "(the AppHost does this for local runs; see docs/env.md).");
        }

        var gssNamed = Names(connectionString, "Gss Encryption Mode", "GssEncryptionMode");
        var poolSize = NamesPoolSize(connectionString) ? null : MaxPoolSize(builder.Configuration) ?? defaultMaxPoolSize;
        builder.AddKeyedNpgsqlDataSource(name, configureDataSourceBuilder: dataSource =>
        {
            if (poolSize is { } size)
            {
                dataSource.ConnectionStringBuilder.MaxPoolSize = size;
            }

            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => IsPartOfWork())
                .ConfigureBatchFilter(_ => IsPartOfWork()));

            // Npgsql 10 tries GSS (Kerberos) encryption first unless told otherwise. Supabase offers none, and the
            // .NET container images lack the Kerberos library: each connection would log a failed load of
            // libgssapi_krb5 and pay for the attempt (npgsql/npgsql#6360, #6524). A connection string that names
            // the mode keeps it.
            if (!gssNamed)
            {
                dataSource.ConnectionStringBuilder.GssEncryptionMode = GssEncryptionMode.Disable;
            }
        });
        return builder;
    }

    /// <summary>
    /// Whether a command gets a span: only inside work that has one (a request, a job, a cron run). A background poll
    /// outside any (a queue that found nothing, the admin's refresh, the hold releaser) would otherwise start a trace of
    /// its own every second or two and bury the chats in the dashboard; a poll that finds work records itself in that
    /// work's trace (QueueTracing in the Worker).
    /// </summary>
    public static bool IsPartOfWork() => Activity.Current is not null;

    /// <summary>
    /// The pool a data source of <paramref name="connectionString"/> gets: the size the string names, else
    /// <see cref="MaxPoolSizeKey"/>, else <paramref name="defaultMaxPoolSize"/> (null: Npgsql's own).
    /// </summary>
    public static int? PoolSize(IConfiguration configuration, string connectionString, int? defaultMaxPoolSize) =>
        NamesPoolSize(connectionString)
            ? new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize
            : MaxPoolSize(configuration) ?? defaultMaxPoolSize;

    private static bool NamesPoolSize(string connectionString) =>
        Names(connectionString, "Maximum Pool Size", "Max Pool Size", "MaxPoolSize");

    /// <summary>The configured pool size; blank is unset (a platform passes an unanswered variable empty).</summary>
    private static int? MaxPoolSize(IConfiguration configuration) => configuration[MaxPoolSizeKey] switch
    {
        null or "" => null,
        var text when int.TryParse(text, CultureInfo.InvariantCulture, out var size) && size is > 0 and <= 1000 => size,
        var text => throw new InvalidOperationException(
            $"Database__MaxPoolSize is '{text}': a whole number of connections from 1 to 1000, or unset."),
    };

    private static bool Names(string connectionString, params string[] keys)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return keys.Any(given.ContainsKey);
    }
}

using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class SupabaseDataSources
{
    /// <summary>
    /// Registers the keyed data source <paramref name="name"/> (Aspire.Npgsql: health check, tracing, metrics) from
    /// <c>ConnectionStrings__{name}</c>, and stops the start with a message naming the variable when it is missing:
    /// Aspire.Npgsql would only notice at the first query, leaving a service that runs but can do nothing.
    /// </summary>
    public static IHostApplicationBuilder AddSupabaseDataSource(this IHostApplicationBuilder builder, string name)
    {
        var connectionString = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"The connection string '{name}' is missing. Set ConnectionStrings__{name} " +
                "(the AppHost does this for local runs; see docs/env.md).");
        }

        var gssNamed = NamesGssEncryption(connectionString);
        builder.AddKeyedNpgsqlDataSource(name, configureDataSourceBuilder: dataSource =>
        {
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

    private static bool NamesGssEncryption(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.ContainsKey("Gss Encryption Mode") || given.ContainsKey("GssEncryptionMode");
    }
}

using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

public static class RequiredConnectionStrings
{
    /// <summary>
    /// Returns <paramref name="name"/> when <c>ConnectionStrings__{name}</c> is set, and otherwise stops the
    /// start with a message naming the variable: Aspire.Npgsql would only notice at the first query, leaving a
    /// service that runs but can do nothing.
    /// </summary>
    public static string RequireConnectionString(this IHostApplicationBuilder builder, string name)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
        {
            throw new InvalidOperationException(
                $"The connection string '{name}' is missing. Set ConnectionStrings__{name} " +
                "(the AppHost does this for local runs; see docs/env.md).");
        }

        return name;
    }
}

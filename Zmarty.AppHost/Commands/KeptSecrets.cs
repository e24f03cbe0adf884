using Microsoft.Extensions.Configuration;

namespace Zmarty.AppHost.Commands;

/// <summary>The generated parameter values the first <c>./zmarty up</c> kept in the AppHost's user secrets.</summary>
internal static class KeptSecrets
{
    /// <summary>
    /// Refuses to go on before the first run: a generated parameter without a kept value would be generated anew here,
    /// and a password that differs from the one the databases were made with opens nothing. A secret given from outside
    /// (a real provider's key, from the environment) is not kept and needs no first run.
    /// </summary>
    public static void Require(DistributedApplicationModel model, IConfiguration configuration)
    {
        var missing = model.Resources.OfType<ParameterResource>()
            .Where(p => p.Secret && p.Default is not null && string.IsNullOrEmpty(configuration[$"Parameters:{p.Name}"]))
            .Select(p => p.Name)
            .ToList();
        if (missing.Count > 0)
        {
            throw new AppHostException($"No kept value for {string.Join(", ", missing)} yet: run ./zmarty up once first.");
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// <c>[up|env|token EMAIL|reconcile [--dry-run]] [--postgres container|process|auto] [--reset] [Aspire settings]</c>:
/// <c>up</c> (the default) runs the model; the others read it without running it, from the ports it declares
/// and the parameter values the first run kept in the AppHost's user secrets.
/// </summary>
internal static class LocalCommands
{
    /// <summary>The emulators take any key; a real key is a secret set outside (docs/env.md).</summary>
    public const string EmulatorKey = "emulator-key";

    public sealed record Invocation(string Verb, string? Argument, string[] AspireArgs);

    public static Invocation Split(string[] args)
    {
        var verb = "up";
        string? argument = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "up" or "env" or "token" or "reconcile" when i == 0:
                    verb = args[i];
                    break;
                case "--dry-run" when verb == "reconcile":
                    argument = args[i];
                    break;
                case var email when verb == "token" && argument is null && !email.StartsWith("--", StringComparison.Ordinal):
                    argument = email;
                    break;
                case "--postgres":
                    rest.Add("--Supabase:Mode=" +
                        (++i < args.Length ? args[i] : throw new AppHostException("--postgres needs container, process or auto.")));
                    break;
                case "--reset":
                    rest.Add("--Supabase:Reset=true");
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new Invocation(verb, argument, [.. rest]);
    }

    public static async Task<int> RunAsync(Invocation invocation, IDistributedApplicationBuilder builder)
    {
        try
        {
            if (invocation.Verb == "up")
            {
                builder.Services.AddHostedService<StartupReport>();
                ServicesFirstShutdown.AddTo(builder);
                await builder.Build().RunAsync();
                return 0;
            }

            await using var app = builder.Build();
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();
            DeclaredEndpoints.Allocate(model);
            return invocation.Verb switch
            {
                "env" => await EnvCommand.RunAsync(model, builder.Configuration),
                "token" => await DevTokenCommands.RunAsync(model, builder.Configuration, invocation.Argument),
                _ => await ApiReconcile.RunAsync(model.Resources.OfType<ProjectResource>().Single(p => p.Name == "api"),
                    invocation.Argument is not null, Console.Out, CancellationToken.None),
            };
        }
        catch (AppHostException ex)
        {
            await Console.Error.WriteLineAsync("zmarty: " + ex.Message);
            return 1;
        }
    }
}

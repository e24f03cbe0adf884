using Microsoft.Extensions.Options;

namespace Zmarty.Migrations;

/// <summary>
/// The migrate verb's settings (section <c>Migrate</c>; environment <c>Migrate__ConnectionStrings__chat</c>, ...).
/// </summary>
public sealed class MigrateOptions
{
    /// <summary>
    /// Each project to migrate, by its name in <see cref="SupabaseLayout.Projects"/> (<c>chat</c>: A, <c>trading</c>: B):
    /// the connection string of a role that may create schemas and roles (a Supabase project's <c>postgres</c>).
    /// </summary>
    public Dictionary<string, string> ConnectionStrings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Apply the Supabase emulation first: for a plain PostgreSQL server, never for a real Supabase project.</summary>
    public bool Emulation { get; set; }

    /// <summary>
    /// Service roles to give a login in every project migrated, by role name (<c>Migrate__RolePasswords__zmarty_api</c>).
    /// A blank one is left out: a platform that asks for every variable (Render) passes the unanswered ones empty.
    /// </summary>
    public Dictionary<string, string> RolePasswords { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The folder holding <c>supabase/</c>: the program's own folder in the image.</summary>
    public string Root { get; set; } = AppContext.BaseDirectory;

    /// <summary>How long to wait for a server to accept connections (it may still be starting).</summary>
    public int WaitSeconds { get; set; } = 60;

    /// <summary>How long to wait for another migration of the same database (a concurrent deploy) to finish.</summary>
    public int LockWaitSeconds { get; set; } = 600;
}

internal sealed class MigrateOptionsValidator : IValidateOptions<MigrateOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrateOptions options)
    {
        var failures = new List<string>();
        var given = options.ConnectionStrings.Where(c => !string.IsNullOrWhiteSpace(c.Value)).ToList();
        if (given.Count == 0)
        {
            failures.Add("No Migrate:ConnectionStrings:chat or :trading is set: give the connection string of each project to " +
                "migrate, as a role that may create schemas and roles (postgres).");
        }

        foreach (var project in options.ConnectionStrings.Keys.Where(p => !SupabaseLayout.Projects.Contains(p)))
        {
            failures.Add($"Migrate:ConnectionStrings:{project} names no project: chat (Supabase A) or trading (Supabase B).");
        }

        foreach (var project in given.Select(c => c.Key).Where(SupabaseLayout.Projects.Contains))
        {
            var folder = SupabaseLayout.MigrationsOf(project);
            if (!Directory.Exists(Path.Combine(options.Root, folder)))
            {
                failures.Add($"Migrate:Root: there is no folder {folder} under {options.Root}.");
            }
        }

        if (options.WaitSeconds is < 0 or > 600)
        {
            failures.Add($"Migrate:WaitSeconds is {options.WaitSeconds}: between 0 and 600.");
        }

        if (options.LockWaitSeconds is < 0 or > 3600)
        {
            failures.Add($"Migrate:LockWaitSeconds is {options.LockWaitSeconds}: between 0 and 3600.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

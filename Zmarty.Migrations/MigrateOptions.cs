using Microsoft.Extensions.Options;

namespace Zmarty.Migrations;

/// <summary>
/// The migrate program's settings (section <c>Migrate</c>; environment <c>Migrate__ConnectionString</c>, ...).
/// </summary>
public sealed class MigrateOptions
{
    /// <summary>A superuser's (or the database owner's) connection string: migrations create roles and schemas.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The migrations folder, relative to <see cref="Root"/>: <c>supabase/chat/migrations</c> or <c>supabase/trading/migrations</c>.
    /// </summary>
    public string Migrations { get; set; } = "";

    /// <summary>Apply the Supabase emulation first: for a plain PostgreSQL server, never for a real Supabase project.</summary>
    public bool Emulation { get; set; }

    /// <summary>Service roles to give a login, by role name (<c>Migrate__RolePasswords__zmarty_api</c>).</summary>
    public Dictionary<string, string> RolePasswords { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The folder holding <c>supabase/</c>: the program's own folder in the image.</summary>
    public string Root { get; set; } = AppContext.BaseDirectory;

    /// <summary>How long to wait for the server to accept connections (it may still be starting).</summary>
    public int WaitSeconds { get; set; } = 60;
}

internal sealed class MigrateOptionsValidator : IValidateOptions<MigrateOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrateOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Migrate:ConnectionString is not set: a connection string of a role that may create schemas and roles.");
        }

        if (string.IsNullOrWhiteSpace(options.Migrations))
        {
            failures.Add("Migrate:Migrations is not set: supabase/chat/migrations or supabase/trading/migrations.");
        }
        else if (!Directory.Exists(Path.Combine(options.Root, options.Migrations)))
        {
            failures.Add($"Migrate:Migrations: there is no folder {options.Migrations} under {options.Root}.");
        }

        if (options.WaitSeconds is < 0 or > 600)
        {
            failures.Add($"Migrate:WaitSeconds is {options.WaitSeconds}: between 0 and 600.");
        }

        failures.AddRange(options.RolePasswords.Where(p => string.IsNullOrWhiteSpace(p.Value))
            .Select(p => $"Migrate:RolePasswords:{p.Key} is empty: give the role a password, or leave it out."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

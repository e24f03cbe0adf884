namespace Zmarty.Migrations;

/// <summary>Where a Supabase database's SQL lives in the repository (and in the Api image, under the same paths).</summary>
public static class SupabaseLayout
{
    /// <summary>
    /// What a Supabase project provides and a bare PostgreSQL server lacks (roles, <c>auth</c>, pgmq):
    /// applied to local databases before their migrations, never to a real Supabase project.
    /// </summary>
    public const string EmulationFolder = "supabase/local";

    /// <summary>The emulation's versions are prefixed, so they never collide with a migration's in the history table.</summary>
    public const string EmulationVersionPrefix = "local_";

    /// <summary>The projects, by the name their folder and connection string go by: A (chat) and B (trading).</summary>
    public static readonly IReadOnlyList<string> Projects = ["chat", "trading"];

    /// <summary><c>supabase/chat/migrations</c> for <c>chat</c>.</summary>
    public static string MigrationsOf(string project) => $"supabase/{project}/migrations";

    /// <summary>
    /// The folders to apply, in order: the emulation first where asked for, then <paramref name="migrations"/>, checked
    /// first against the <c>requirements.sql</c> beside it where there is one.
    /// </summary>
    public static IReadOnlyList<MigrationRunner.Folder> Folders(string root, string migrations, bool emulation)
    {
        var folder = Path.Combine(root, migrations);
        var requirements = Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(folder))!, "requirements.sql");
        MigrationRunner.Folder project = new(folder, Requirements: requirements);
        return emulation ? [new(Path.Combine(root, EmulationFolder), EmulationVersionPrefix), project] : [project];
    }
}

namespace Zmarty.Migrations;

/// <summary>Where a Supabase database's SQL lives in the repository (and in the migrate image, under the same paths).</summary>
public static class SupabaseLayout
{
    /// <summary>
    /// What a Supabase project provides and a bare PostgreSQL server lacks (roles, <c>auth</c>, pgmq):
    /// applied to local databases before their migrations, never to a real Supabase project.
    /// </summary>
    public const string EmulationFolder = "supabase/local";

    /// <summary>The emulation's versions are prefixed, so they never collide with a migration's in the history table.</summary>
    public const string EmulationVersionPrefix = "local_";

    /// <summary>The folders to apply, in order: the emulation first where asked for, then <paramref name="migrations"/>.</summary>
    public static IReadOnlyList<MigrationRunner.Folder> Folders(string root, string migrations, bool emulation) =>
        emulation
            ? [new(Path.Combine(root, EmulationFolder), EmulationVersionPrefix), new(Path.Combine(root, migrations))]
            : [new(Path.Combine(root, migrations))];
}

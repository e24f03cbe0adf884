namespace Zmarty.Migrations;

/// <summary>A migration that cannot be applied: which file, where, the SQLSTATE, and what to do.</summary>
public sealed class MigrationException(string message, Exception? inner = null) : Exception(message, inner);

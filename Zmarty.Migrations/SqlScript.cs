namespace Zmarty.Migrations;

/// <summary>
/// Splits a SQL file into statements at the semicolons PostgreSQL would end them at: outside quoted
/// strings, quoted identifiers, dollar-quoted bodies and comments. The Supabase CLI records a
/// migration the same way, and knowing where each statement starts turns PostgreSQL's error
/// position into a line of the file. SQL-standard function bodies (BEGIN ATOMIC) are not supported.
/// </summary>
public static class SqlScript
{
    public readonly record struct Statement(string Text, int Offset);

    public static IReadOnlyList<Statement> Split(string sql)
    {
        var statements = new List<Statement>();
        var start = 0;
        var hasCode = false;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (c == '-' && next == '-')
            {
                i = IndexAfter(sql, "\n", i + 2);
            }
            else if (c == '/' && next == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c is '\'' or '"')
            {
                hasCode = true;
                i = SkipQuoted(sql, i, c);
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                hasCode = true;
                i = IndexAfter(sql, tag, i + tag.Length);
            }
            else if (c == ';')
            {
                if (hasCode)
                {
                    statements.Add(new(sql[start..(i + 1)], start));
                }

                start = i + 1;
                hasCode = false;
                i++;
            }
            else
            {
                hasCode |= !char.IsWhiteSpace(c);
                i++;
            }
        }

        if (hasCode)
        {
            statements.Add(new(sql[start..], start));
        }

        return statements;
    }

    /// <summary><c>$$</c> or <c>$tag$</c> at <paramref name="at"/>; null for a positional parameter such as <c>$1</c>.</summary>
    private static string? DollarTag(string sql, int at)
    {
        var end = at + 1;
        while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }

        var isTag = end < sql.Length && sql[end] == '$' && (end == at + 1 || !char.IsDigit(sql[at + 1]));
        return isTag ? sql[at..(end + 1)] : null;
    }

    private static int SkipQuoted(string sql, int at, char quote)
    {
        var i = at + 1;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                // A doubled quote is an escaped quote inside the string.
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }

    private static int SkipBlockComment(string sql, int at)
    {
        // PostgreSQL's block comments nest.
        var depth = 0;
        var i = at;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    private static int IndexAfter(string sql, string token, int from)
    {
        var found = sql.IndexOf(token, from, StringComparison.Ordinal);
        return found < 0 ? sql.Length : found + token.Length;
    }
}

using Zmarty.Migrations;

namespace Zmarty.Tests.AppHost;

public sealed class SqlScriptTests
{
    [Fact]
    public void Statements_end_at_semicolons_outside_strings_bodies_and_comments()
    {
        const string Sql = """
            -- a comment; not a statement end
            create table t (note text default 'a;b''c;');
            create function f() returns int language plpgsql as $body$
            begin
              perform 1; return 2;
            end $body$;
            /* block; /* nested; */ still comment; */
            select "odd;name", $$x;y$$ from t where id = $1;
            select 3
            """;

        var statements = SqlScript.Split(Sql);

        Assert.Equal(4, statements.Count);
        Assert.EndsWith("default 'a;b''c;');", statements[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("end $body$;", statements[1].Text, StringComparison.Ordinal);
        Assert.EndsWith("where id = $1;", statements[2].Text, StringComparison.Ordinal);
        Assert.Equal("select 3", statements[3].Text.Trim());
        Assert.All(statements, s => Assert.Equal(s.Text, Sql.Substring(s.Offset, s.Text.Length)));
    }

    [Fact]
    public void Comments_and_whitespace_alone_make_no_statement()
    {
        Assert.Empty(SqlScript.Split("  -- only a comment\n/* and another */ ;\n"));
    }
}

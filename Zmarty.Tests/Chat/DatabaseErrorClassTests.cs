using Npgsql;
using Zmarty.Api.Errors;

namespace Zmarty.Tests.Chat;

/// <summary>PostgreSQL's own errors that a caller's values can cause are 4xx naming the field; the rest stay ours (500).</summary>
public sealed class DatabaseErrorClassTests
{
    [Theory]
    [InlineData("22P05", "unsupported Unicode escape sequence")]
    [InlineData("22021", "invalid byte sequence for encoding \"UTF8\": 0x00")]
    [InlineData("22P02", "invalid input syntax for type json")]
    [InlineData("22003", "value overflows numeric format")]
    [InlineData("23514", "new row violates check constraint")]
    [InlineData("54001", "stack depth limit exceeded")]
    public void A_data_constraint_or_limit_error_is_a_400_that_names_the_field(string code, string text)
    {
        var problem = DatabaseErrors.Problem(new PostgresException(text, "ERROR", "ERROR", code), field: "strategy");

        Assert.NotNull(problem);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal(ApiErrors.InvalidRequest, problem.ProblemDetails.Extensions["error"]);
        Assert.Equal($"strategy could not be stored: {text}", problem.ProblemDetails.Extensions["message"]);
    }

    [Theory]
    [InlineData("42501")]
    [InlineData("40001")]
    [InlineData("57014")]
    [InlineData("XX000")]
    public void An_error_no_value_of_the_caller_causes_is_not_mapped(string code) =>
        Assert.Null(DatabaseErrors.Problem(new PostgresException("server side", "ERROR", "ERROR", code), field: "strategy"));
}

using System.Text;
using System.Text.Json.Nodes;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// The requests a run sends to an operation: each is the operation's valid request with one thing made hostile
/// (credentials that prove no user, a path or query value, one property of the body, the whole body, its content type, a
/// header, the method); then, to a fixed total, valid bodies with two hostile values drawn from a seeded generator. The
/// same seed gives the same requests.
/// </summary>
internal sealed class FuzzPlan(ExampleRequests examples, FuzzCredentials credentials)
{
    private const string JsonType = "application/json";

    /// <summary>What the values put in a body's text change: how it is stored, streamed back and counted.</summary>
    private static readonly string[] s_textKinds =
        [HostileValues.Nul, HostileValues.LoneSurrogate, HostileValues.InvalidUtf8, HostileValues.HugeString, HostileValues.OddText];

    public IEnumerable<FuzzCase> Enumerate(ApiOperation operation) =>
        Credentials(operation)
            .Concat(PathValues(operation))
            .Concat(QueryValues(operation))
            .Concat(operation.TakesBody ? Bodies(operation) : BodiesWhereNoneBelongs(operation))
            .Concat(HeaderValues(operation))
            .Concat(Methods(operation));

    /// <summary>Requests with two hostile values at once in a valid body, drawn with <paramref name="random"/>.</summary>
    public IEnumerable<FuzzCase> RandomPairs(IReadOnlyList<ApiOperation> operations, int count, Random random)
    {
        var withBodies = operations.Where(o => examples.Bodies(o).Count > 0).ToList();
        for (var made = 0; made < count;)
        {
            var operation = withBodies[random.Next(withBodies.Count)];
            var bodies = examples.Bodies(operation);
            var body = bodies[random.Next(bodies.Count)];
            var paths = JsonSlots.Paths(body);
            var (first, second) = (paths[random.Next(paths.Count)], paths[random.Next(paths.Count)]);
            // A value inside the other would be replaced with it.
            if (first.StartsWith(second, StringComparison.Ordinal) || second.StartsWith(first, StringComparison.Ordinal))
            {
                continue;
            }

            var values = HostileValues.JsonValues;
            var (a, b) = (values[random.Next(values.Count)], values[random.Next(values.Count)]);
            made++;
            yield return Valid(operation, "random pair", $"body.{first} = {a.Detail}; body.{second} = {b.Detail}") with
            {
                Body = Json(JsonSlots.Replace(body, (first, a.Bytes), (second, b.Bytes))),
            };
        }
    }

    /// <summary>
    /// Valid chats (JSON and streamed, or with voice when <paramref name="voice"/>) sent while <paramref name="who"/>
    /// answers <paramref name="status"/>, which the test arranges: what a provider answers is input to the Api too.
    /// </summary>
    public IEnumerable<FuzzCase> WhileProvidersAnswer(ApiOperation chat, string who, int status, bool voice)
    {
        var bodies = examples.Bodies(chat);
        var spoken = bodies[0].DeepClone().AsObject();
        spoken["mode"] = "voice";
        foreach (var body in voice ? [spoken] : bodies)
        {
            yield return Valid(chat, "provider answer", $"{who} {status}, {(voice ? "voice" : Describe(body))}") with
            {
                Body = Json(Encoding.UTF8.GetBytes(body.ToJsonString())),
                Expectation = FuzzExpectation.ProvidersFailing,
            };
        }
    }

    private IEnumerable<FuzzCase> Credentials(ApiOperation operation)
    {
        if (!operation.NeedsUser)
        {
            yield break;
        }

        foreach (var (detail, authorization) in credentials.Refused())
        {
            yield return Valid(operation, "credentials", detail) with
            {
                Authorization = authorization,
                Expectation = FuzzExpectation.Unauthorized,
            };
        }

        yield return Valid(operation, "credentials", "a well-signed token of a user A does not know") with
        {
            Authorization = credentials.UnknownUser,
        };
        yield return Valid(operation, "credentials", "an anonymous session (is_anonymous)") with
        {
            Authorization = credentials.AnonymousSession,
            Expectation = operation.SpendsCredits ? FuzzExpectation.Refused : FuzzExpectation.NoServerError,
        };
    }

    private IEnumerable<FuzzCase> PathValues(ApiOperation operation) =>
        from parameter in operation.PathParameters
        from value in HostileValues.UriValues
        select Valid(operation, "path value", $"{{{parameter.Name}}} = {value.Detail}") with
        {
            PathAndQuery = examples.Path(operation, parameter, value.Text),
        };

    private IEnumerable<FuzzCase> QueryValues(ApiOperation operation)
    {
        var path = examples.Path(operation);
        foreach (var parameter in operation.QueryParameters)
        {
            foreach (var (detail, text) in HostileValues.UriValues.Append(("empty", "")))
            {
                yield return Valid(operation, "query value", $"{parameter.Name} = {detail}") with
                {
                    PathAndQuery = $"{path}?{parameter.Name}={text}",
                };
            }

            yield return Valid(operation, "query value", $"{parameter.Name} twice") with
            {
                PathAndQuery = $"{path}?{parameter.Name}=1&{parameter.Name}=2",
            };
        }

        yield return Valid(operation, "query value", "unknown and odd names") with
        {
            PathAndQuery = $"{path}?__proto__=1&a[]=x&%00=1&{new string('q', 1000)}=1",
        };
    }

    private IEnumerable<FuzzCase> Bodies(ApiOperation operation)
    {
        var bodies = examples.Bodies(operation);
        for (var i = 0; i < bodies.Count; i++)
        {
            var example = bodies[i];
            // The first example gets every value in every place; another (a streamed chat) only what changes its text.
            var values = (i, operation.IsWebhook) switch
            {
                (_, true) => HostileValues.OnePerKind,
                (0, _) => HostileValues.JsonValues,
                _ => [.. HostileValues.JsonValues.Where(v => s_textKinds.Contains(v.Kind))],
            };
            var variant = i == 0 ? "" : $" ({Describe(example)})";
            foreach (var path in JsonSlots.Paths(example).Where(p => i == 0 || JsonSlots.IsString(example, p)))
            {
                foreach (var value in values)
                {
                    yield return Valid(operation, value.Kind, $"body.{path} = {value.Detail}{variant}") with
                    {
                        Body = Json(JsonSlots.Replace(example, (path, value.Bytes))),
                    };
                }
            }

            if (JsonSlots.FirstStringPath(example) is { } text)
            {
                var huge = HostileValues.TwoMegabyteString;
                yield return Valid(operation, huge.Kind, $"body.{text} = {huge.Detail}{variant}") with
                {
                    Body = Json(JsonSlots.Replace(example, (text, huge.Bytes))),
                };
            }
        }

        foreach (var name in bodies[0].Select(member => member.Key))
        {
            yield return Valid(operation, "duplicate key", $"body.{name} twice, the second \"-1\"") with
            {
                Body = Json(JsonSlots.Duplicate(bodies[0], name, "\"-1\""u8.ToArray())),
            };
        }

        foreach (var body in HostileValues.Bodies)
        {
            yield return Valid(operation, body.Kind, body.Detail) with { Body = Json(body.Bytes) };
        }

        foreach (var contentType in HostileValues.ContentTypes)
        {
            var valid = Valid(operation, "content type", contentType ?? "no Content-Type");
            yield return valid with { Body = valid.Body! with { ContentType = contentType } };
        }
    }

    /// <summary>A GET or DELETE with a body anyway: nothing should read it, and nothing should fail on it.</summary>
    private IEnumerable<FuzzCase> BodiesWhereNoneBelongs(ApiOperation operation) =>
        from body in HostileValues.Bodies
        where body.Detail is "{" or "a 2 MB string" or "a 20,000-deep array"
        select Valid(operation, "body where none belongs", body.Detail) with { Body = Json(body.Bytes) };

    /// <summary>
    /// Odd values of the headers the operation reads (the chat's <c>Idempotency-Key</c>), and the same key and body twice
    /// at once: one is answered, the other replays it or is told to wait, and the chat is charged once.
    /// </summary>
    private IEnumerable<FuzzCase> HeaderValues(ApiOperation operation)
    {
        foreach (var (name, _) in examples.Headers(operation))
        {
            foreach (var (detail, value) in HostileValues.HeaderValues)
            {
                yield return Valid(operation, "header value", $"{name} = {detail}") with { Headers = [new(name, value)] };
            }

            var twice = $"fuzz-twice-{name}";
            yield return Valid(operation, "header value", $"{name} sent twice at once (1)") with { Headers = [new(name, twice)] };
            yield return Valid(operation, "header value", $"{name} sent twice at once (2)") with { Headers = [new(name, twice)] };
        }
    }

    private IEnumerable<FuzzCase> Methods(ApiOperation operation) =>
        from method in new[] { "PUT", "FUZZ" }
        where method != operation.Method
        select Valid(operation, "method", $"{method} instead of {operation.Method}") with { Method = method };

    /// <summary>The operation's valid request, as the fuzzing user: each case changes one thing of it.</summary>
    private FuzzCase Valid(ApiOperation operation, string kind, string detail) =>
        new(operation, kind, detail, operation.Method, examples.Path(operation), ExampleBody(operation), credentials.User)
        {
            Headers = examples.Headers(operation),
        };

    private FuzzBody? ExampleBody(ApiOperation operation) =>
        examples.Bodies(operation) is [var main, ..] ? Json(Encoding.UTF8.GetBytes(main.ToJsonString())) : null;

    private static FuzzBody Json(byte[] bytes) => new(bytes, JsonType);

    /// <summary>What sets an example apart from the first: its members that are not text (<c>stream: true</c>).</summary>
    private static string Describe(JsonObject example) =>
        string.Join(", ", example.Where(m => m.Value is JsonValue v && !v.TryGetValue<string>(out _)).Select(m => $"{m.Key}: {m.Value}"));
}

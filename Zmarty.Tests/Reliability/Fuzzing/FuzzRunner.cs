using System.Diagnostics;
using System.Net;
using System.Text;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// What came back for one request: its status (0: no answer), body and time, and <see cref="Failure"/> when no answer came
/// or the answer broke off.
/// </summary>
internal sealed record FuzzResult(FuzzCase Case, int Status, string? MediaType, string Body, TimeSpan Elapsed, string? Failure);

/// <summary>
/// Sends fuzz cases to the Api exactly as written: paths and queries unnormalised (<c>../</c> stays), header values as
/// UTF-8, bodies byte for byte, a few at a time.
/// </summary>
internal sealed class FuzzRunner(Uri api) : IDisposable
{
    private static readonly UriCreationOptions s_asWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        AllowAutoRedirect = false,
    })
    {
        // Past the 15 s the test allows, so a slow answer is measured rather than cut off.
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async Task<IReadOnlyList<FuzzResult>> RunAsync(IReadOnlyList<FuzzCase> cases, int parallel)
    {
        var results = new FuzzResult[cases.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, cases.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel },
            async (i, _) => results[i] = await SendAsync(cases[i]));
        return results;
    }

    private async Task<FuzzResult> SendAsync(FuzzCase fuzz)
    {
        var uri = new Uri(api.GetLeftPart(UriPartial.Authority) + fuzz.PathAndQuery, in s_asWritten);
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), uri);
        if (fuzz.Body is { } body)
        {
            request.Content = body.Slow ? new TrickledContent(body.Bytes) : new ByteArrayContent(body.Bytes);
            if (body.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
            }
        }

        if (fuzz.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", fuzz.Authorization);
        }

        foreach (var (name, value) in fuzz.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new FuzzResult(fuzz, 0, null, "", clock.Elapsed, Describe(ex));
        }

        using (response)
        {
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var text = new StringBuilder();
            try
            {
                // Read piece by piece, so a stream that breaks off still shows what it had sent.
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
                var buffer = new char[4096];
                int read;
                while ((read = await reader.ReadAsync(buffer)) > 0)
                {
                    text.Append(buffer, 0, read);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                return new FuzzResult(fuzz, (int)response.StatusCode, mediaType, text.ToString(), clock.Elapsed, Describe(ex));
            }

            return new FuzzResult(fuzz, (int)response.StatusCode, mediaType, text.ToString(), clock.Elapsed, null);
        }
    }

    private static string Describe(Exception ex) =>
        ex.InnerException is { } inner ? $"{ex.GetType().Name}: {ex.Message} ({inner.Message})" : $"{ex.GetType().Name}: {ex.Message}";

    public void Dispose() => _http.Dispose();

    /// <summary>A body written a tenth at a time over <see cref="WebhookFuzz.TrickleFor"/>, as a slow or hostile sender does.</summary>
    private sealed class TrickledContent(byte[] body) : HttpContent
    {
        private const int Pieces = 10;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var size = Math.Max(1, (body.Length + Pieces - 1) / Pieces);
            for (var offset = 0; offset < body.Length; offset += size)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)));
                await stream.FlushAsync();
                await Task.Delay(WebhookFuzz.TrickleFor / Pieces);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}

using System.Net;
using System.Text.RegularExpressions;

namespace Zmarty.Tests.Admin;

/// <summary>
/// Logs in to a running AdminUi over plain HTTP as a browser would: the login form's antiforgery
/// token and cookie, then the password. The session cookie is Secure, which HttpClient's cookie
/// container keeps off plain http, so cookies are carried by hand.
/// </summary>
internal sealed partial class AdminLogin(Uri admin) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = admin };

    public HttpClient Http => _http;

    /// <summary>
    /// Posts the password; <paramref name="forwardedFor"/> is the <c>X-Forwarded-For</c> a proxy would add,
    /// <paramref name="cookie"/> cookies the browser already holds (a trusted-device cookie).
    /// </summary>
    public async Task<HttpResponseMessage> PostPasswordAsync(
        string password, string returnUrl = "/queues", string? forwardedFor = null, string? cookie = null)
    {
        using var form = await GetAsync($"/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        var html = await form.Content.ReadAsStringAsync();
        var token = TokenField().Match(html).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                ["_handler"] = "login",
                ["Password"] = password,
            }),
        };
        post.Headers.Add("Cookie", string.Join("; ", new[] { CookiesOf(form), cookie }.Where(c => !string.IsNullOrEmpty(c))));
        if (forwardedFor is not null)
        {
            post.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await _http.SendAsync(post);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return _http.SendAsync(request);
    }

    /// <summary>The response's cookies as a Cookie header.</summary>
    public static string CookiesOf(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';', 2)[0])
            : []);

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}

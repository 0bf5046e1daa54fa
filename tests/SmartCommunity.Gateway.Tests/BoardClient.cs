using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SmartCommunity.Gateway.Tests;

/// <summary>The local board's API as the dashboard uses it: sign in (name + duty room password → session cookie), the
/// anti-forgery token, the open alerts, acknowledge.</summary>
public sealed class BoardClient : IDisposable
{
    private readonly HttpClient _http;

    public BoardClient(int httpPort)
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
        };
    }

    public HttpClient Http => _http;

    public async Task<HttpStatusCode> SignInAsync(string name, string password, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(new Uri("/api/auth/login", UriKind.Relative), new { name, password }, ct);
        if (response.IsSuccessStatusCode)
        {
            var csrf = await _http.GetFromJsonAsync<JsonElement>(new Uri("/api/auth/csrf", UriKind.Relative), ct);
            _http.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
            _http.DefaultRequestHeaders.Add("X-CSRF-TOKEN", csrf.GetProperty("token").GetString());
        }
        return response.StatusCode;
    }

    public async Task<JsonElement[]> OpenAlertsAsync(CancellationToken ct) =>
        [.. (await _http.GetFromJsonAsync<JsonElement>(new Uri("/api/alerts?status=open&limit=1000", UriKind.Relative), ct)).EnumerateArray()];

    public Task<HttpResponseMessage> AcknowledgeAsync(long id, CancellationToken ct) =>
        _http.PostAsJsonAsync(new Uri($"/api/alerts/{id}/ack", UriKind.Relative), new { }, ct);

    public void Dispose() => _http.Dispose();
}

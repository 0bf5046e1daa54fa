using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using MQTTnet;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Security;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A realistic run with every log category at Trace: passwords, device secrets (issued and rotated), bearer and
/// refresh tokens, the session and anti-forgery cookies must not appear in any log message, scope or exception.
/// </summary>
public sealed class SecretsInLogsTests : IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private readonly HubApp _hub;
    private World _world = null!;

    public SecretsInLogsTests()
    {
        _hub = new HubApp(settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" })
        {
            // A provider-specific rule wins over the category rules in appsettings.json (Microsoft.AspNetCore: Warning …).
            ConfigureHost = b => b.ConfigureLogging(l => l.AddProvider(_logs).AddFilter<LogCapture>(null, LogLevel.Trace)),
        };
    }

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task RealisticFlow_TraceLogs_ContainNoSecret()
    {
        var ct = TestContext.Current.CancellationToken;
        var secrets = new Dictionary<string, string> { ["the test password"] = HubApp.Password };
        using var anon = _hub.Anonymous();

        // Bearer sign-in: access and refresh token.
        var login = await anon.PostAsJsonAsync("/api/auth/login", new LoginRequest(HubApp.AdminEmail, HubApp.Password), ct);
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>(ct);
        secrets["access token"] = tokens.GetProperty("accessToken").GetString()!;
        secrets["refresh token"] = tokens.GetProperty("refreshToken").GetString()!;
        using var admin = _hub.Anonymous();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secrets["access token"]);

        // A wrong password (a typo of a real one is nearly as secret) and a new person's password.
        const string wrong = "Typo-of-the-pass-42";
        secrets["a wrong password"] = wrong;
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/api/auth/login", new LoginRequest(World.Staff, wrong), ct)).StatusCode);
        const string newPassword = "Brand-new-secret-77";
        secrets["a new person's password"] = newPassword;
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest("new.person@test.local", newPassword, "New", Roles.Technician, null, null, null, null));

        // Cookie sign-in and an anti-forgery-protected write.
        using (var session = await CookieSession.SignInAsync(_hub, "new.person@test.local", newPassword))
        {
            var csrf = await session.CsrfTokenAsync();
            secrets["anti-forgery request token"] = csrf;
            foreach (Cookie cookie in session.Cookies.GetAllCookies())
                secrets[$"cookie {cookie.Name}"] = cookie.Value;
            using var write = new HttpRequestMessage(HttpMethod.Put, "/api/me/language") { Content = JsonContent.Create(new { language = "en" }) };
            write.Headers.Add(CsrfApi.HeaderName, csrf);
            Assert.Equal(HttpStatusCode.NoContent, (await session.Http.SendAsync(write, ct)).StatusCode);
            // And one refused for a missing token.
            Assert.Equal(HttpStatusCode.BadRequest, (await session.Http.PutAsJsonAsync("/api/me/language", new { language = "en" }, ct)).StatusCode);
        }
        Assert.Contains("cookie sc.auth", secrets.Keys);

        // A device: registered (secret shown once), provisioning QR with the secret, connect, publish, a wrong secret, rotation.
        var device = await HubApp.PostAsync<DeviceCredentials>(admin, "/api/devices", new RegisterDeviceRequest("sos", "sos-secret-1", null, null, null, _world.ResidentA, null));
        secrets["device secret"] = device.Secret;
        (await admin.PostAsJsonAsync($"/api/devices/{device.Device.Id}/provisioning-qr", new { secret = device.Secret }, ct)).EnsureSuccessStatusCode();
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
        {
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            await mqtt.DisconnectAsync(cancellationToken: ct);
        }
        const string wrongSecret = "not-the-device-secret-123456";
        secrets["a wrong device secret"] = wrongSecret;
        using (var refused = new MqttClientFactory().CreateMqttClient())
            await refused.ConnectAsync(_hub.DeviceOptions(device.Device.Id, wrongSecret), ct);
        var rotated = await HubApp.PostAsync<DeviceCredentials>(admin, $"/api/devices/{device.Device.Id}/secret", new { });
        secrets["rotated device secret"] = rotated.Secret;
        using (var mqtt = await _hub.ConnectDeviceAsync(rotated))
            await mqtt.DisconnectAsync(cancellationToken: ct);

        // SignalR with the token in a header (the .NET client), and the way a browser script passes it: the query string.
        await using (var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_hub.BaseAddress, "/hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(secrets["access token"])).Build())
        {
            await connection.StartAsync(ct);
        }
        var negotiate = await anon.PostAsync($"/hubs/alerts/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(secrets["access token"])}", null, ct);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        var sse = await anon.GetAsync($"/hubs/alerts?id=unknown&access_token={Uri.EscapeDataString(secrets["access token"])}", ct);
        Assert.NotEqual(HttpStatusCode.Unauthorized, sse.StatusCode);

        // The logs really are at Trace (else the test would prove nothing).
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Trace);
        // The request URLs are still logged, with the token replaced.
        Assert.Contains(_logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal) && e.Text.Contains("access_token=[redacted]", StringComparison.Ordinal));
        var leaks = (from entry in _logs.Entries
                     from secret in secrets
                     where entry.Text.Contains(secret.Value, StringComparison.Ordinal) || entry.Text.Contains(Uri.EscapeDataString(secret.Value), StringComparison.Ordinal)
                     select $"{secret.Key} in [{entry.Level}] {entry.Category}: {Clip(entry.Text)}").Distinct().ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} log entries (of {_logs.Entries.Count}) contain secrets:\n{string.Join("\n", leaks.Take(20))}");
    }

    private static string Clip(string s) => s.Length > 400 ? s[..400] + "…" : s;

    public sealed record Entry(LogLevel Level, string Category, string Text);

    /// <summary>Keeps every message with its exception and the scopes it was logged in.</summary>
    private sealed class LogCapture : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<Entry> _entries = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyCollection<Entry> Entries => _entries;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() { }

        private sealed class Logger(string category, LogCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = new System.Text.StringBuilder(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                    foreach (var (key, value) in values)
                        text.Append(" | ").Append(key).Append('=').Append(value);
                if (exception is not null)
                    text.Append(" | ").Append(exception);
                owner._scopes.ForEachScope((scope, sb) => sb.Append(" | scope ").Append(scope), text);
                owner._entries.Enqueue(new Entry(logLevel, category, text.ToString()));
            }
        }
    }
}

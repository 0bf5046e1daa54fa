using System.Net;
using System.Text.Json;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

public sealed class ApiSurfaceTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();

    public ValueTask InitializeAsync()
    {
        _hub.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task OpenApiDocument_ListsTheApiGroups()
    {
        using var anon = _hub.Anonymous();
        using var doc = JsonDocument.Parse(await anon.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/alerts", paths);
        Assert.Contains("/api/alerts/{id}/ack", paths);
        Assert.Contains("/api/devices", paths);
        Assert.Contains("/api/devices/{id}/rejections", paths);
        Assert.Contains("/api/devices/{deviceId}/readings/aggregate", paths);
        Assert.Contains("/api/residents", paths);
        Assert.Contains("/api/auth/login", paths);
    }

    [Fact]
    public async Task Catalog_Anonymous_ServesEveryKindWithItsTextsInBothLanguages()
    {
        using var anon = _hub.Anonymous();
        using var doc = JsonDocument.Parse(await anon.GetStringAsync("/api/catalog"));
        var root = doc.RootElement;
        var kinds = root.GetProperty("deviceKinds").EnumerateArray().ToDictionary(k => k.GetProperty("kind").GetString()!);
        Assert.Equal(Enum.GetValues<Domain.Devices.DeviceKind>().Length, kinds.Count);
        var co = kinds["co"];
        Assert.Equal(["co", "test"], co.GetProperty("measurements").EnumerateArray().Select(m => m.GetString()));
        Assert.True(co.GetProperty("lifeSafety").GetBoolean());
        Assert.Equal(["sos", "cancel", "visit"], kinds["sos"].GetProperty("button").EnumerateArray().Select(m => m.GetString()));
        var texts = root.GetProperty("texts");
        Assert.Equal("一氧化碳探测器", texts.GetProperty("zh-CN").GetProperty(co.GetProperty("label").GetString()!).GetString());
        Assert.Equal("Carbon monoxide detector", texts.GetProperty("en").GetProperty("device_kind.co").GetString());
        var alert = root.GetProperty("alertKinds").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "carbon_monoxide");
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        var unit = root.GetProperty("measurements").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "co").GetProperty("unit").GetString();
        Assert.Equal("ppm", unit);
    }

    [Fact]
    public async Task Health_WhenRunning_IsHealthy()
    {
        using var anon = _hub.Anonymous();
        var response = await anon.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_WrongPassword_Is401_AndNoSelfRegistration()
    {
        using var anon = _hub.Anonymous();
        var response = await anon.PostAsync("/api/auth/login", JsonContent(new { email = HubApp.AdminEmail, password = "wrong-password" }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anon.PostAsync("/api/auth/register", JsonContent(new { email = "x@y.z", password = "Whatever-123" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsync("/api/users", JsonContent(new { }))).StatusCode);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}

public sealed class SecurityHeaderTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();

    public ValueTask InitializeAsync()
    {
        _hub.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/api/alerts")]
    [InlineData("/health")]
    public async Task AnyResponse_CarriesSecurityHeaders(string path)
    {
        using var anon = _hub.Anonymous();
        var response = await anon.GetAsync(path);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Options;

namespace SmartCommunity.Gateway.Devices;

/// <summary>
/// Fetches the community's device registry from the hub every <see cref="GatewayOptions.RegistrySyncInterval"/>
/// (<c>GET /api/gateway/v1/registry</c>, Basic auth as the gateway, <c>If-None-Match</c> so an unchanged registry
/// costs a 304). A revocation thus reaches the gateway within one interval. While the hub is unreachable the cached
/// registry stays in force.
/// </summary>
public sealed class RegistrySync(DeviceRegistry registry, IOptions<GatewayOptions> options, TimeProvider time, GatewayStatus status,
    ILogger<RegistrySync> logger) : BackgroundService
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.Id}:{o.ResolveSecret()}"));
        var uri = new Uri(o.HubUrl!, "api/gateway/v1/registry");
        using var timer = new PeriodicTimer(o.RegistrySyncInterval, time);
        do
        {
            await SyncOnceAsync(uri, credentials, stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SyncOnceAsync(Uri uri, string credentials, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
            if (registry.Version is { } version)
                request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(Quote(version)));
            using var response = await _http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                status.RegistrySynced(time.GetUtcNow());
                return;
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                logger.LogError("The hub refused the gateway's credentials for the registry sync (401): check Gateway:Id and the secret");
                return;
            }
            response.EnsureSuccessStatusCode();
            var doc = await response.Content.ReadFromJsonAsync<RegistryDocument>(ct) ?? throw new InvalidDataException("empty registry");
            registry.Apply(doc);
            status.RegistrySynced(time.GetUtcNow());
            logger.LogInformation("Device registry {Version} synced: {Count} devices, {Revoked} revoked", doc.Version, doc.Devices.Count, doc.Devices.Count(d => d.Revoked));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidDataException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Registry sync with {Uri} failed ({Error}); the cached registry {Version} stays in force", uri, ex.Message, registry.Version);
        }
    }

    // The hub's ETag is the registry version; quoted as HTTP wants unless it already is.
    private static string Quote(string version) => version.StartsWith('"') || version.StartsWith("W/", StringComparison.Ordinal) ? version : $"\"{version}\"";

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}

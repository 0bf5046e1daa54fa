using System.Globalization;
using Microsoft.Extensions.Options;
using SmartCommunity.Gateway.Alerts;
using SmartCommunity.Gateway.Board;
using SmartCommunity.Gateway.Devices;
using SmartCommunity.Gateway.Queue;
using SmartCommunity.Gateway.Uplink;

namespace SmartCommunity.Gateway;

public static class GatewayServices
{
    public static void AddGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations()
            .Validate(o => GatewayOptions.IdPattern().IsMatch(o.Id), "Gateway:Id must match ^gw-[a-z0-9-]{2,28}$ (as registered at the hub)")
            .Validate(o => !string.IsNullOrEmpty(o.Secret) || !string.IsNullOrEmpty(o.SecretFile), "Gateway:Secret or Gateway:SecretFile is required")
            .Validate(o => o.HubUrl is { IsAbsoluteUri: true }, "Gateway:HubUrl must be an absolute http(s) address")
            .Validate(o => System.Net.IPAddress.TryParse(o.BindAddress, out _), "Gateway:BindAddress must be an IP address")
            .Validate(o => o.RegistrySyncInterval >= TimeSpan.FromSeconds(1) && o.HealthInterval >= TimeSpan.FromSeconds(1),
                "Gateway:RegistrySyncInterval and Gateway:HealthInterval must be at least a second")
            .Validate(o => o.ReconnectMin > TimeSpan.Zero && o.ReconnectMax >= o.ReconnectMin, "Gateway:ReconnectMin must be positive and at most ReconnectMax")
            .ValidateOnStart();
        var o = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{o.BindAddress}:{o.HttpPort}"));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayStatus>();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            Directory.CreateDirectory(options.DataDirectory);
            var registry = new DeviceRegistry(Path.Combine(options.DataDirectory, "registry.json"), sp.GetRequiredService<ILogger<DeviceRegistry>>());
            registry.LoadCached();
            return registry;
        });
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var queue = new DurableQueue(Path.Combine(options.DataDirectory, "queue"), options.DiskQuotaBytes, options.SegmentBytes,
                sp.GetRequiredService<ILogger<DurableQueue>>());
            queue.Open();
            return queue;
        });
        builder.Services.AddSingleton<LocalAlerts>();
        builder.Services.AddSingleton<LocalBroker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalBroker>());
        builder.Services.AddHostedService<RegistrySync>();
        builder.Services.AddSingleton<Forwarder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Forwarder>());
    }
}

public static class BoardServices
{
    public static void AddBoard(this WebApplicationBuilder builder)
    {
        var dataDirectory = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()?.DataDirectory ?? new GatewayOptions().DataDirectory;
        builder.AddBoardAuth(dataDirectory);
        builder.Services.AddSignalR();
        builder.Services.AddHostedService<BoardPush>();
    }
}

public static class StatusApi
{
    public static void MapStatusApi(this WebApplication app) =>
        app.MapGet("/status", (Forwarder forwarder, DeviceRegistry registry, GatewayStatus status) =>
            TypedResults.Json(new GatewayStatusDocument(forwarder.Health(), forwarder.IsConnected, registry.Version, registry.Count,
                status.RegistrySyncedAt, status.Forwarded, status.Rejections)));
}

public sealed record GatewayStatusDocument(GatewayHealth Health, bool UplinkConnected, string? RegistryVersion, int RegistryDevices,
    DateTimeOffset? RegistrySyncedAt, long Forwarded, IReadOnlyDictionary<string, long> Rejections);

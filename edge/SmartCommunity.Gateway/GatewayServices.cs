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
            .Validate(o => o.LifeSafetyAckTimeout > TimeSpan.Zero && o.LifeSafetyAckTimeout <= TimeSpan.FromSeconds(30),
                "Gateway:LifeSafetyAckTimeout must be above 0 and at most 30 s (a keep-alive notices a dead link after 45 s)")
            .Validate(o => !o.SmsProblems().Any(), "Gateway SMS settings are not complete: with Gateway:DutyPhones (E.164 numbers, language en or zh-CN) "
                + "Gateway:Twilio:AccountSid, Gateway:Twilio:AuthToken (environment) and Gateway:Twilio:From (E.164) are required; Gateway:SmsLanguage is en or zh-CN")
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
        builder.Services.AddSingleton<LifeSafetyWatch>();
        builder.Services.AddHttpClient(SmsAlerts.HttpClientName).RemoveAllLoggers();
        builder.Services.AddSingleton<SmsAlerts>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SmsAlerts>());
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
        app.MapGet("/status", (Forwarder forwarder, DeviceRegistry registry, GatewayStatus status, SmsAlerts sms) =>
            TypedResults.Json(new GatewayStatusDocument(forwarder.Health(), forwarder.IsConnected, registry.Version, registry.Count,
                status.RegistrySyncedAt, status.Forwarded, status.Rejections, status.LifeSafetyOverdueCount, sms.Counters)));
}

/// <param name="LifeSafetyOverdue">life-safety messages the hub did not acknowledge within the ack timeout while the uplink
/// seemed up: each raised a local alert and dropped the connection.</param>
/// <param name="Sms">SMS to the duty phones: sent, failed attempts, given up, not yet sent.</param>
public sealed record GatewayStatusDocument(GatewayHealth Health, bool UplinkConnected, string? RegistryVersion, int RegistryDevices,
    DateTimeOffset? RegistrySyncedAt, long Forwarded, IReadOnlyDictionary<string, long> Rejections, long LifeSafetyOverdue, SmsCounters Sms);

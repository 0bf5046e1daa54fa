namespace SmartCommunity.Hub.Devices;

public static class DevicesServices
{
    /// <summary>The device directory (in memory, written back periodically), the rejection log, heartbeat supervision.</summary>
    public static void AddHubDevices(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeviceDirectory>();
        builder.Services.AddSingleton<DeviceProvisioning>();
        builder.Services.AddSingleton<RejectionLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RejectionLog>());
        builder.Services.AddSingleton<DeviceStateFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeviceStateFlusher>());
        builder.Services.AddSingleton<SupervisionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SupervisionService>());
        builder.Services.AddSingleton<DeviceConfigService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeviceConfigService>());
    }
}

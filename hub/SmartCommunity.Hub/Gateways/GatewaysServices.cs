namespace SmartCommunity.Hub.Gateways;

public static class GatewaysServices
{
    /// <summary>Community edge gateways: their live link and health, silence supervision, downlink mirroring, local alerts.</summary>
    public static void AddHubGateways(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<GatewayDirectory>();
        builder.Services.AddSingleton<GatewayDownlinks>();
        builder.Services.AddSingleton<GatewayAlertMerge>();
        builder.Services.AddSingleton<GatewaySupervision>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewaySupervision>());
    }
}

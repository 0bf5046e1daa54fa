namespace SmartCommunity.Hub.Escalation.Cascade;

public static class CascadeServices
{
    /// <summary>The call cascade: the resident's people called while an alert stays unacknowledged, and the ways they answer.</summary>
    public static void AddHubCascade(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CascadeOptions>().BindConfiguration(CascadeOptions.Section)
            .Validate(o => o.LinkLifetime > TimeSpan.Zero, "Hub:Cascade:LinkLifetime must be positive")
            .Validate(o => o.PublicBaseUrl is null or "" || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _), "Hub:Cascade:PublicBaseUrl must be an absolute URL")
            .ValidateOnStart();
        builder.Services.AddSingleton<CascadeDirectory>();
        builder.Services.AddSingleton<AckTokens>();
        builder.Services.AddSingleton<CallCascadeService>();
    }
}

namespace SmartCommunity.Hub.Privacy;

public static class PrivacyServices
{
    /// <summary>Personal data: export and erasure of one resident on request, retention (a daily Quartz job).</summary>
    public static void AddHubPrivacy(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ResidentData>();
        builder.Services.AddPersonalDataRetention(builder.Configuration);
    }
}

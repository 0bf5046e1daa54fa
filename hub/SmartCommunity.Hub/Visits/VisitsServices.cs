namespace SmartCommunity.Hub.Visits;

public static class VisitsServices
{
    /// <summary>Visit check-ins (the API, a device's visit button) and the monthly-visit questions.</summary>
    public static void AddHubVisits(this WebApplicationBuilder builder) =>
        builder.Services.AddSingleton<VisitService>();
}

using SmartCommunity.Hub.Demo;

namespace SmartCommunity.Hub.Hosting;

public static class OperationsServices
{
    /// <summary>Health checks, metrics, OpenAPI, problem details, start-up tasks and demo data.</summary>
    public static void AddHubOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HubMetrics>();
        builder.Services.AddOpenApi();
        builder.Services.AddApiProblems();    // every 4xx and 5xx body is problem details, whatever the client accepts
        builder.Services.AddHealthChecks();  // each area adds its own check (database, telemetry, broker)
        builder.Services.AddSingleton<DemoSeeder>();
        // Start-up work (migrations, caches, first admin, demo data) runs before the broker accepts devices.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, HubStartup>());
    }
}

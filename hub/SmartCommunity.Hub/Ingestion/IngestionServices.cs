namespace SmartCommunity.Hub.Ingestion;

public static class IngestionServices
{
    /// <summary>The pipeline every broker adapter hands its messages to: topic → ACL → budget → decode → duplicates →
    /// alerts → observers → readings.</summary>
    public static void AddHubIngestion(this WebApplicationBuilder builder) =>
        builder.Services.AddSingleton<IngestionPipeline>();
}

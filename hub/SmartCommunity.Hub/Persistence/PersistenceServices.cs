using Microsoft.AspNetCore.DataProtection;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Persistence;

public static class PersistenceServices
{
    /// <summary>EF Core on SQLite in the data directory (default) or PostgreSQL shared by several instances; the Data Protection key ring.</summary>
    public static void AddHubPersistence(this WebApplicationBuilder builder)
    {
        var o = HubOptions.Read(builder.Configuration);
        DataDirectory.Create(o.DataDirectory);
        // Hub:Database:Provider: SQLite in the data directory (default) or PostgreSQL shared by several instances.
        var database = HubDatabaseOptions.Read(builder.Configuration);
        builder.Services.AddOptions<HubDatabaseOptions>().BindConfiguration(HubDatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHubDbContext(database, builder.Configuration.GetConnectionString(HubDatabaseOptions.ConnectionStringName), o.DataPath("hub.db"));
        // Keys in the data directory, or in the shared database: sign-in cookies and tokens stay valid across
        // restarts, and on PostgreSQL a token issued by one instance is accepted by every other.
        var keys = builder.Services.AddDataProtection().SetApplicationName("SmartCommunity.Hub");
        if (database.IsPostgres)
            keys.PersistKeysToDbContext<HubDbContext>();
        else
            keys.PersistKeysToFileSystem(new DirectoryInfo(o.DataPath("keys")));
        builder.Services.AddSingleton<PlaceNames>();
        builder.Services.AddHealthChecks().AddDbContextCheck<HubDbContext>("database");
    }
}

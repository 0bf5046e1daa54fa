using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SmartCommunity.Hub.Persistence;

/// <summary>
/// The hub's model on PostgreSQL: the same entities as <see cref="HubDbContext"/>, its own migrations
/// (Persistence/Migrations/Postgres). A type of its own because EF ties a migration set to a context type;
/// the rest of the hub sees it as a <see cref="HubDbContext"/>.
/// </summary>
public sealed class PostgresHubDbContext(DbContextOptions<PostgresHubDbContext> options) : HubDbContext(options);

/// <summary>Lets `dotnet ef migrations add --context PostgresHubDbContext` build the model; it never connects.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHubDbContext>
{
    public PostgresHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresHubDbContext>().UseNpgsql("Host=127.0.0.1;Database=design_time").Options);
}

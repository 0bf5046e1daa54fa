using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SmartCommunity.Hub.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the hub (and its broker).</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<HubDbContext>
{
    public HubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<HubDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

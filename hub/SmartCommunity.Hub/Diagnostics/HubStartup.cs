using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Demo;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Diagnostics;

/// <summary>
/// Runs once before anything else starts: applies migrations, creates roles and the first admin,
/// seeds the demo, and loads the in-memory directories the broker needs before it accepts devices.
/// </summary>
public sealed class HubStartup(IServiceProvider services, IOptions<HubOptions> options, ILogger<HubStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<HubDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        // WAL lets the API read while ingestion writes; it is a property of the file and persists.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);

        var admin = sp.GetRequiredService<UserAdministration>();
        await admin.EnsureRolesAsync();
        await EnsureFirstAdminAsync(sp, o.FirstAdmin, cancellationToken);
        if (o.Demo)
            await sp.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);

        await sp.GetRequiredService<PlaceNames>().ReloadAsync(db, cancellationToken);
        await sp.GetRequiredService<DeviceDirectory>().LoadAsync(cancellationToken);
        await sp.GetRequiredService<RejectionLog>().LoadAsync(cancellationToken);
        var metrics = sp.GetRequiredService<HubMetrics>();
        var writer = sp.GetRequiredService<TelemetryWriter>();
        metrics.ObserveQueueDepth(() => writer.QueueDepth);
        logger.LogInformation("Hub data in {DataDirectory}; {Devices} devices registered", Path.GetFullPath(o.DataDirectory), sp.GetRequiredService<DeviceDirectory>().Count);
    }

    private async Task EnsureFirstAdminAsync(IServiceProvider sp, FirstAdminOptions first, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(first.Email) || string.IsNullOrEmpty(first.Password))
            return;
        var users = sp.GetRequiredService<UserManager<HubUser>>();
        if (await users.FindByEmailAsync(first.Email) is not null)
            return;
        var (user, errors) = await sp.GetRequiredService<UserAdministration>().CreateAsync(
            new CreateUserRequest(first.Email, first.Password, "Administrator", Roles.Admin, null, null, null, null), ct);
        if (user is null)
            throw new InvalidOperationException("Hub:FirstAdmin could not be created: " + string.Join("; ", errors.SelectMany(e => e.Value)));
        logger.LogInformation("Created the first administrator {Email}", first.Email);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

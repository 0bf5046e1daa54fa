using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Demo;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Hosting;

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
        // Instances sharing a database start one at a time through here (a database lock on PostgreSQL).
        await HubDatabase.MigrateAndSeedAsync(db, async () =>
        {
            await sp.GetRequiredService<UserAdministration>().EnsureRolesAsync();
            await EnsureFirstAdminAsync(sp, o.FirstAdmin, cancellationToken);
            if (o.Demo)
                await sp.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
            // Makes the Data Protection key now if there is none, so instances sharing the key store start with one key.
            sp.GetRequiredService<IDataProtectionProvider>().CreateProtector("SmartCommunity.Hub.KeyRing").Protect("ready");
        }, cancellationToken);

        if (!db.Database.IsNpgsql())
            await HubScheduling.UseWriteAheadLogAsync(o.DataPath(HubScheduling.StoreFile), cancellationToken);

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

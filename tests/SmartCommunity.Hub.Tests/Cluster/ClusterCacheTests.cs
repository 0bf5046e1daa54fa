using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Device health shared through the database when several instances split a device's messages: the newest sighting
/// wins in both directions, so one instance's supervision does not call a device silent that talks to another.
/// </summary>
public sealed class ClusterCacheTests : IAsyncLifetime
{
    private readonly HubApp _hub = new HubApp().Start();
    private World _world = null!;

    public async ValueTask InitializeAsync() => _world = await _hub.SeedWorldAsync();

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Flush_AnotherInstanceSawTheDeviceLater_NewerSightingKept()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var id = device.Device.Id;
        var earlier = DateTimeOffset.UtcNow.AddMinutes(-10);
        var later = DateTimeOffset.UtcNow.AddMinutes(-1);
        await SetLastSeenAsync(id, later);
        var entry = _hub.Services.GetRequiredService<DeviceDirectory>().Find(id)!;
        lock (entry.Sync)
        {
            entry.Liveness.Heard(earlier);
            entry.Dirty = true;
        }

        await _hub.Services.GetRequiredService<DeviceStateFlusher>().FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(later, await LastSeenAsync(id));
    }

    [Fact]
    public async Task RefreshAll_DatabaseHasANewerSighting_CacheTakesIt()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var id = device.Device.Id;
        var directory = _hub.Services.GetRequiredService<DeviceDirectory>();
        var entry = directory.Find(id)!;
        var earlier = DateTimeOffset.UtcNow.AddMinutes(-30);
        lock (entry.Sync)
            entry.Liveness.Heard(earlier);
        var later = DateTimeOffset.UtcNow.AddMinutes(-2);
        await SetLastSeenAsync(id, later);

        await directory.RefreshAllAsync(TestContext.Current.CancellationToken);

        lock (entry.Sync)
            Assert.Equal(later, entry.LastSeenAt);
        Assert.Same(entry, directory.Find(id)); // live state (budget, window) kept
    }

    private async Task SetLastSeenAsync(string id, DateTimeOffset at)
    {
        await using var db = await _hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync();
        var row = await db.Devices.SingleAsync(d => d.Id == id);
        row.RecordHealth(at, row.Online, row.Battery, row.Rssi, row.Firmware);
        await db.SaveChangesAsync();
    }

    private async Task<DateTimeOffset?> LastSeenAsync(string id)
    {
        await using var db = await _hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync();
        return (await db.Devices.AsNoTracking().SingleAsync(d => d.Id == id)).LastSeenAt;
    }
}

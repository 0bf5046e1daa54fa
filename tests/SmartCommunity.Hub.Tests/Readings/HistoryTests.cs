using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Telemetry;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// History that lasts, on the real hub: 40 days of readings, the retention run expiring raw points after 30 days, then the
/// chart's history and the CSV exports read through HTTP by the resident's family (and refused to another family).
/// </summary>
public sealed class HistoryTests
{
    // 10:00 on Sunday 29 November 2026 in Shanghai.
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The hub on <paramref name="backend"/> (the embedded store or the shared InfluxDB, its own database).</summary>
    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World, string DeviceId)> StartWithFortyDaysAsync(string backend)
    {
        var time = new FakeTimeProvider(Now);
        Dictionary<string, string?>? settings = null;
        if (backend == "influxdb")
        {
            await SharedInflux.RequireAsync();
            settings = new()
            {
                ["Telemetry:Backend"] = "influxdb",
                ["Telemetry:Influx:Url"] = SharedInflux.Url,
                ["Telemetry:Influx:Database"] = "sc_history_" + Guid.NewGuid().ToString("N")[..12],
            };
        }
        var hub = new HubApp(settings: settings, time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var climate = await hub.RegisterDeviceAsync("climate", residentId: world.ResidentA);
        var series = new SeriesKey(climate.Device.Id, "temp");
        var store = hub.Services.GetRequiredService<ITelemetryStore>();
        if (store is SmartCommunity.Telemetry.Influx.InfluxTelemetryStore influx)
            await influx.EnsureDatabaseAsync(Ct); // the health check would, in its own time
        // One reading every 30 minutes for 40 days: 19.0 … in the first days, rising 0.01 °C an hour.
        var start = Now.AddDays(-40);
        await store.WriteAsync(Enumerable.Range(0, 40 * 48).Select(i => new TelemetryPoint(series, start.AddMinutes(30 * i), 19 + i / 200.0)).ToList(), Ct);
        await ((ITelemetryRollups)store).RollUpHourlyAsync(start, Now, Ct);
        await hub.Services.GetRequiredService<TelemetryRetention>().RunOnceAsync(Ct);
        return (hub, time, world, climate.Device.Id);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("influxdb")]
    public async Task History_NinetyDaysPastRawRetention_FamilySeesRolledUpAndRawBuckets(string backend)
    {
        var (hub, _, world, deviceId) = await StartWithFortyDaysAsync(backend);
        await using var _ = hub;
        using var family = await hub.ClientAsync(World.FamilyA);
        using var otherFamily = await hub.ClientAsync(World.FamilyB);
        var query = $"/api/devices/{deviceId}/readings/history?name=temp&from={Uri.EscapeDataString(Now.AddDays(-90).ToString("O"))}&to={Uri.EscapeDataString(Now.ToString("O"))}";

        var history = (await family.GetFromJsonAsync<HistoryDto>(query, Ct))!;

        Assert.Equal(("mixed", TimeSpan.FromHours(6)), (history.Source, history.Interval));
        Assert.Equal(40 * 48, history.Buckets.Sum(b => b.Count)); // every reading of the 40 days, raw or rolled up
        Assert.Equal(19.0, history.Buckets[0].Min);
        Assert.Equal(19 + (40 * 48 - 1) / 200.0, history.Buckets[^1].Max, 9);
        using var refused = await otherFamily.GetAsync(query, Ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        // The raw endpoint alone no longer has the first ten days: that is what the rollups are for.
        var raw = (await family.GetFromJsonAsync<List<BucketDto>>(query.Replace("/history?", "/aggregate?", StringComparison.Ordinal) + "&interval=06:00:00", Ct))!;
        Assert.Equal(30 * 48, raw.Sum(b => b.Count));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("influxdb")]
    public async Task ReadingsExport_FortyDays_CsvHasRolledUpHoursThenRawPointsAndOnlyForTheFamily(string backend)
    {
        var (hub, _, world, deviceId) = await StartWithFortyDaysAsync(backend);
        await using var _ = hub;
        using var family = await hub.ClientAsync(World.FamilyA);
        using var otherFamily = await hub.ClientAsync(World.FamilyB);
        var query = $"/api/devices/{deviceId}/readings/export.csv?from={Uri.EscapeDataString(Now.AddDays(-45).ToString("O"))}";

        using var response = await family.GetAsync(query, Ct);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("time_utc,device,reading,value,min,max,count,resolution", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        var hourly = rows.Where(r => r[7] == "1h").ToList();
        var raw = rows.Where(r => r[7] == "raw").ToList();
        Assert.Equal(10 * 24, hourly.Count);
        Assert.Equal(30 * 48, raw.Count);
        Assert.Equal(40 * 48, hourly.Sum(r => int.Parse(r[6], System.Globalization.CultureInfo.InvariantCulture)) + raw.Count);
        Assert.Equal($"{Now.AddDays(-40).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'},{deviceId},temp,19.0025,19,19.005,2,1h", lines[1]);
        Assert.True(rows.Select(r => r[0]).SequenceEqual(rows.Select(r => r[0]).Order(StringComparer.Ordinal)), "rows in time order");
        using var refused = await otherFamily.GetAsync(query, Ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task AlertsExport_TwoResidents_EachFamilyGetsOnlyTheirOwnAndStaffGetsBoth()
    {
        var time = new FakeTimeProvider(Now);
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var alerts = hub.Services.GetRequiredService<AlertService>();
        // A note a spreadsheet would run as a formula if it were written as it was typed.
        var a = await alerts.RaiseAsync(new AlertSignal("pendant-a", AlertKind.Sos, Severity.Critical, "=HYPERLINK(\"http://evil\")", Now.AddMinutes(-5)),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), Ct);
        var b = await alerts.RaiseAsync(new AlertSignal("pendant-b", AlertKind.Sos, Severity.Critical, "SOS pressed", Now.AddMinutes(-4)),
            new AlertPlace(world.ResidentB, world.HouseholdB, world.GridB, world.CommunityId), Ct);
        time.Advance(TimeSpan.FromMinutes(1)); // the period ends now, exclusive; the alerts were raised at the start
        using var familyA = await hub.ClientAsync(World.FamilyA);
        using var staff = await hub.ClientAsync(World.Staff);

        var mine = await CsvAsync(familyA, "/api/alerts/export.csv");
        var all = await CsvAsync(staff, "/api/alerts/export.csv?status=open");

        Assert.Equal([a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], mine.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal([a.Id, b.Id], all.Skip(1).Select(l => long.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.StartsWith("id,raised_at_utc,kind,severity,status,device,resident", all[0], StringComparison.Ordinal);
        Assert.DoesNotContain(mine, l => l.Contains(",=", StringComparison.Ordinal) || l.Contains(",\"=", StringComparison.Ordinal));
        using var bad = await staff.GetAsync("/api/alerts/export.csv?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static async Task<string[]> CsvAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(Ct)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }
}

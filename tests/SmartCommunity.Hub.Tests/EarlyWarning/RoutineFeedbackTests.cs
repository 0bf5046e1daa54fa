using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Simulator.Node;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Issue 21, "feedback that learns", for the routines: two residents' motion sensors (the firmware core, counting the PIR
/// module's activations per 5-minute interval) report the same weeks over MQTT on a fake clock (up at 07:00 in Shanghai,
/// movement every half hour until 22:00), flushing their queue every half hour. After the routines have learned, both get up
/// at 10:30 on a Tuesday and both get "not up as usual"; staff call one a false alarm (a late morning is part of that
/// resident's life) and the other real. On Wednesday, as late again, only the second is alerted.
/// </summary>
public sealed class RoutineFeedbackTests(ITestOutputHelper output)
{
    // A Monday, 00:00 UTC (08:00 in Shanghai, the communities' zone).
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);
    private static readonly Dictionary<string, int> Settings = new() { ["pir_interval_s"] = 300, ["queue_batch"] = 32 };
    // Tuesday 17 and Wednesday 18 November, local: up at 10:30 instead of 07:00.
    private static readonly DateOnly[] LateDays = [new(2026, 11, 17), new(2026, 11, 18)];

    [Fact]
    public async Task NotUpAsUsual_FalseAlarmOnOneResident_NextLateMorningQuiet_RealOnTheOther_AlertsAgain()
    {
        var time = new FakeTimeProvider(Start);
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var pirA = await hub.RegisterDeviceAsync("pir", residentId: world.ResidentA);
        var pirB = await hub.RegisterDeviceAsync("pir", residentId: world.ResidentB);
        using var mqttA = await hub.ConnectDeviceAsync(pirA);
        using var mqttB = await hub.ConnectDeviceAsync(pirB);
        var worker = hub.Services.GetRequiredService<EarlyWarningWorker>();
        (SteppedNode Node, IMqttClient Mqtt)[] sensors = [(Sensor(pirA), mqttA), (Sensor(pirB), mqttB)];
        long published = 0;

        var cursor = Start;
        async Task DriveAsync(DateTimeOffset to)
        {
            for (; cursor < to; cursor += Step)
            {
                time.SetUtcNow(cursor + Step);
                // Two devices, each on its own connection: they send at the same time.
                published += (await Task.WhenAll(sensors.Select(s => s.Node.SendUntilAsync(s.Mqtt, cursor + Step)))).Sum(r => r.Records);
                // Each pack taken by the worker before the clock moves on: a tick must not run ahead of a morning's movements.
                await Eventually.GetAsync(() => Task.FromResult(worker.PointsScored), n => n >= published, what: "the packs scored");
            }
        }

        // Fifteen days teach the routines (learning 14), then the first late Tuesday.
        await DriveAsync(Local(LateDays[0], 12));
        using (var staff = await hub.ClientAsync(World.Staff))
        {
            var a = Assert.Single(await NotUpAsync(staff, pirA.Device.Id));
            var b = Assert.Single(await NotUpAsync(staff, pirB.Device.Id));
            output.WriteLine($"Tuesday: A {a.RaisedAt:O} {a.Message}; B {b.RaisedAt:O} {b.Message}");
            Assert.InRange(a.RaisedAt, Local(LateDays[0], 8), Local(LateDays[0], 10.5));
            Assert.Equal("activity", a.Evidence?.Measurement);
            Assert.True((await staff.PostAsJsonAsync($"/api/alerts/{a.Id}/resolve", new ResolveRequest("false_alarm", "she sleeps in some days"))).IsSuccessStatusCode);
            Assert.True((await staff.PostAsJsonAsync($"/api/alerts/{b.Id}/resolve", new ResolveRequest("real", "unwell, visited"))).IsSuccessStatusCode);
        }

        // Wednesday, as late again.
        await DriveAsync(Local(LateDays[1], 12));
        using (var staff = await hub.ClientAsync(World.Staff))
        {
            var b = await NotUpAsync(staff, pirB.Device.Id);
            Assert.Equal(2, b.Count); // the verdict "real" kept the routine as it was
            output.WriteLine($"Wednesday: B {b.Max(x => x.RaisedAt):O}");
            Assert.Single(await NotUpAsync(staff, pirA.Device.Id)); // Tuesday's only: the late morning is now within the routine
        }
        Assert.Empty(hub.UnexpectedErrors());
    }

    private static DateTimeOffset Local(DateOnly day, double hour) =>
        new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), Shanghai).AddHours(hour).ToUniversalTime();

    /// <summary>A motion sensor seeing the resident pass every half hour from getting up (07:00 local, 10:30 on the late
    /// days) to 22:00: the PIR output high for two seconds at hh:00:30 and hh:30:30 (reported at the close of the core's
    /// 5-minute interval, hh:05 and hh:35; the quiet intervals report 0).</summary>
    private static SteppedNode Sensor(DeviceCredentials device)
    {
        var node = FirmwareNodes.Boot(device, Start, Settings);
        node.Motion = Moving;
        return node;
    }

    private static bool Moving(DateTimeOffset at)
    {
        var local = at.ToOffset(Shanghai);
        var up = LateDays.Contains(DateOnly.FromDateTime(local.DateTime)) ? 10.5 : 7;
        var hour = local.TimeOfDay.TotalHours;
        return hour >= up && hour < 22 && local.Minute % 30 == 0 && local.Second is >= 30 and < 32;
    }

    private static async Task<List<AlertDto>> NotUpAsync(HttpClient staff, string deviceId) =>
        (await staff.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?status=all&deviceId={deviceId}"))!
        .Where(a => a.Kind == "inactivity" && a.Message.Contains("usually up by", StringComparison.Ordinal)).ToList();
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;
using SmartCommunity.Testing;
using SimDeviceCredentials = SmartCommunity.Simulator.Devices.DeviceCredentials;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Device configuration from the hub to the firmware (docs/protocol.md, <c>cfg</c>): a technician changes a setting over
/// the API, the hub publishes the device's retained <c>cfg</c> through its broker, and the firmware core in the simulated
/// device (real MQTT) applies it — per kind, per device, while the device is away, across reconnects. Refused values
/// never reach a device. The devices run on the hub's fake clock.
/// </summary>
public sealed class DeviceConfigTests
{
    private const string ReadingS = "reading_s";

    [Fact]
    public async Task ReadingInterval_SetPerKindAndPerDevice_FirmwareCoresApplyIt_AlsoAfterBeingAway()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var a = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
        var b = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdB);
        await using var fleet = new SimulatedFleet(
            [new SimDeviceCredentials(a.Device.Id, DeviceKind.Climate, a.Secret), new SimDeviceCredentials(b.Device.Id, DeviceKind.Climate, b.Secret)],
            new SimulatorOptions
            {
                Host = "127.0.0.1",
                Port = hub.MqttPort,
                Seed = 20,
                RoutineTraffic = false, // provisioned quiet: readings once a day
                ReconnectDelayMin = TimeSpan.FromMilliseconds(200),
                ReconnectDelayMax = TimeSpan.FromSeconds(1),
            },
            time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var deviceA = fleet.GetDevice(a.Device.Id);
        var deviceB = fleet.GetDevice(b.Device.Id);
        Assert.Equal((86400, 86400), (deviceA.SettingValue(ReadingS), deviceB.SettingValue(ReadingS)));
        using var tech = await hub.ClientAsync(World.Technician);

        // Every climate sensor: both cores take it.
        var kind = await PutAsync<KindConfigDto>(tech, "/api/device-kinds/climate/config", new { reading_s = 900 });
        Assert.Equal((900, SettingSource.Kind, 2), (Setting(kind.Settings, ReadingS).Value, Setting(kind.Settings, ReadingS).Source, kind.Devices));
        await Eventually.GetAsync(() => Task.FromResult((deviceA.SettingValue(ReadingS), deviceB.SettingValue(ReadingS))), v => v == (900, 900),
            what: "reading_s 900 on both climate sensors' cores");

        // One device: only its core changes.
        var config = await PutAsync<DeviceConfigDto>(tech, $"/api/devices/{a.Device.Id}/config", new { reading_s = 120 });
        Assert.Equal((120, SettingSource.Device, 900), (Setting(config.Settings, ReadingS).Value, Setting(config.Settings, ReadingS).Source, Setting(config.Settings, ReadingS).KindValue));
        Assert.Equal("""{"reading_s":120}""", config.Sent);
        await Eventually.GetAsync(() => Task.FromResult(deviceA.SettingValue(ReadingS)), v => v == 120, what: "reading_s 120 on device A's core");
        Assert.Equal(900, deviceB.SettingValue(ReadingS));

        // Changed while the device is away: it finds the retained configuration when it comes back.
        await fleet.InjectAsync(a.Device.Id, Scenario.Offline);
        config = await PutAsync<DeviceConfigDto>(tech, $"/api/devices/{a.Device.Id}/config", new { reading_s = 240 });
        Assert.False(config.Delivered);
        Assert.Equal(120, deviceA.SettingValue(ReadingS));
        time.Advance(TimeSpan.FromSeconds(1));
        await fleet.InjectAsync(a.Device.Id, Scenario.Online);
        await Eventually.GetAsync(() => Task.FromResult(deviceA.SettingValue(ReadingS)), v => v == 240, what: "reading_s 240 on device A's core after it reconnected");
        // Heard from since the change (its heartbeat at connect): the page shows it delivered.
        await Eventually.GetAsync(() => tech.GetFromJsonAsync<DeviceConfigDto>($"/api/devices/{a.Device.Id}/config"), c => c!.Delivered, what: "the change shown as delivered");

        // And it keeps it across another reconnect (the core persisted it; the retained copy says the same).
        await fleet.InjectAsync(a.Device.Id, Scenario.Offline);
        await fleet.InjectAsync(a.Device.Id, Scenario.Online);
        await fleet.WaitUntilConnectedAsync();
        Assert.Equal(240, deviceA.SettingValue(ReadingS));

        // Refused with the reason and the range; nothing reaches the device.
        var tooShort = await tech.PutAsJsonAsync($"/api/devices/{a.Device.Id}/config", new { reading_s = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        var problem = (await tooShort.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Equal(["reading_s must be from 10 to 86400 (not 5)"], problem.Errors[ReadingS]);
        using (var zh = await hub.ClientAsync(World.Technician))
        {
            zh.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("zh-CN"));
            var refused = await zh.PutAsJsonAsync($"/api/device-kinds/climate/config", new Dictionary<string, object> { ["reading_s"] = 100_000, ["device_secret"] = "x", ["fall_impact_mg"] = 2000 });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors;
            Assert.Equal(["reading_s 必须在 10 到 86400 之间（不能是 100000）"], errors[ReadingS]);
            Assert.Contains("串口", Assert.Single(errors["device_secret"]));
            Assert.Equal(["fall_impact_mg 不适用于温湿度传感器"], errors["fall_impact_mg"]);
        }
        // Hysteresis the firmware would refuse as a whole (gas_off_ppm ≥ gas_on_ppm) is refused here, naming both.
        var smoke = await hub.RegisterDeviceAsync("smoke", householdId: world.HouseholdA);
        var inconsistent = await tech.PutAsJsonAsync($"/api/devices/{smoke.Device.Id}/config", new { gas_off_ppm = 300 });
        Assert.Equal(HttpStatusCode.BadRequest, inconsistent.StatusCode);
        Assert.Equal(["gas_off_ppm must be below gas_on_ppm (300 and 300 would be refused by the device)"],
            (await inconsistent.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["gas_off_ppm"]);
        Assert.Equal(240, deviceA.SettingValue(ReadingS));
        Assert.Equal(240, Setting((await tech.GetFromJsonAsync<DeviceConfigDto>($"/api/devices/{a.Device.Id}/config"))!.Settings, ReadingS).Value);

        // The device's override removed: the kind's value is sent back to it.
        var removed = await tech.DeleteAsync($"/api/devices/{a.Device.Id}/config/{ReadingS}");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        config = (await removed.Content.ReadFromJsonAsync<DeviceConfigDto>())!;
        Assert.Equal((900, SettingSource.Kind), (Setting(config.Settings, ReadingS).Value, Setting(config.Settings, ReadingS).Source));
        await Eventually.GetAsync(() => Task.FromResult(deviceA.SettingValue(ReadingS)), v => v == 900, what: "device A back on the kind's reading_s");
        Assert.Empty(hub.UnexpectedErrors());
    }

    [Fact]
    public async Task ExternalBroker_ConfigSetBeforeTheDeviceFirstConnects_RetainedInMosquitto_CoreAppliesIt()
    {
        ExternalMosquitto.Require();
        await using var hub = new HubApp(settings: ExternalMosquitto.HubSettings(ExternalMosquitto.NewGroup())).Start();
        await Eventually.GetAsync(() => Task.FromResult(hub.Services.GetRequiredService<IDeviceBroker>().IsConnected), c => c, what: "the hub's connection to Mosquitto");
        var world = await hub.SeedWorldAsync();
        using var tech = await hub.ClientAsync(World.Technician);
        // The kind's value before the device exists: registration publishes it; then the device's own value on top.
        await PutAsync<KindConfigDto>(tech, "/api/device-kinds/smoke/config", new { gas_on_ppm = 400 });
        var smoke = await hub.RegisterDeviceAsync("smoke", householdId: world.HouseholdA);
        var config = await PutAsync<DeviceConfigDto>(tech, $"/api/devices/{smoke.Device.Id}/config", new { reading_s = 600 });
        Assert.Equal("""{"reading_s":600,"gas_on_ppm":400}""", config.Sent);
        Assert.NotNull(config.PublishedAt);

        var (host, port, _, _) = ExternalMosquitto.Require();
        await using var fleet = new SimulatedFleet([new SimDeviceCredentials(smoke.Device.Id, DeviceKind.Smoke, smoke.Secret)],
            new SimulatorOptions { Host = host, Port = port, Seed = 21, RoutineTraffic = false });
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var device = fleet.GetDevice(smoke.Device.Id);
        await Eventually.GetAsync(() => Task.FromResult((device.SettingValue(ReadingS), device.SettingValue("gas_on_ppm"))), v => v == (600, 400),
            what: "the retained configuration applied by the smoke detector's core");
    }

    private static SettingView Setting(IReadOnlyList<SettingView> settings, string name) => settings.Single(s => s.Name == name);

    private static async Task<T> PutAsync<T>(HttpClient http, string path, object body)
    {
        var response = await http.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}

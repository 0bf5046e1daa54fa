using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A freezer or fridge probe keeps its own temperature band, set by a technician over the API (role-checked, refused with
/// the reason in the reader's language): a freezer at −20 °C is not "too cold" for a home (16 °C) and −12 °C is too warm.
/// The fixed rules read the band from the next reading on, without a restart.
/// </summary>
public sealed class TemperatureBandTests
{
    [Fact]
    public async Task FreezerProbe_BandSetByTechnician_RulesUseItLive_RefusedBandsExplainedInBothLanguages()
    {
        await using var hub = new HubApp();
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var probe = await hub.RegisterDeviceAsync("climate", residentId: world.ResidentA, location: "Kitchen");
        var id = probe.Device.Id;
        using var tech = await hub.ClientAsync(World.Technician);

        // Only device people set it; a duty officer may not.
        using (var staff = await hub.ClientAsync(World.Staff))
            Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync($"/api/devices/{id}/band", new { min = -25, max = -15 })).StatusCode);

        // Refused, with the reason, in English and in Chinese.
        var upside = await tech.PutAsJsonAsync($"/api/devices/{id}/band", new { min = -15, max = -25 });
        Assert.Equal(HttpStatusCode.BadRequest, upside.StatusCode);
        Assert.Equal(["The lowest temperature must be at least 1 °C below the highest (not -15 and -25 °C)"],
            (await upside.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["band"]);
        using (var zh = await hub.ClientAsync(World.Technician))
        {
            zh.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("zh-CN"));
            var outside = await zh.PutAsJsonAsync($"/api/devices/{id}/band", new { min = -60, max = -15 });
            Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
            Assert.Equal(["温度范围必须在 -40 到 85 °C 之内（不能是 -60 到 -15 °C）"], (await outside.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["band"]);
        }
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        Assert.Equal(HttpStatusCode.BadRequest, (await tech.PutAsJsonAsync($"/api/devices/{pendant.Device.Id}/band", new { min = -25, max = -15 })).StatusCode);

        var set = await tech.PutAsJsonAsync($"/api/devices/{id}/band", new { min = -25, max = -15 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var dto = (await set.Content.ReadFromJsonAsync<DeviceDto>())!;
        Assert.Equal((-25.0, -15.0), (dto.BandMin, dto.BandMax));
        Assert.Equal((-25.0, -15.0), ((await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{id}"))!.BandMin, (await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{id}"))!.BandMax));

        // The freezer at −20 °C is fine; at −12 °C it is too warm.
        using var mqtt = await hub.ConnectDeviceAsync(probe);
        uint seq = 1;
        await PublishAsync(mqtt, id, seq++, -20);
        await PublishAsync(mqtt, id, seq++, -12);
        using var duty = await hub.ClientAsync(World.Staff);
        var alerts = await Eventually.GetAsync(() => duty.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?status=all&deviceId={id}")!,
            a => a!.Any(x => x.Kind == "temperature_high"), what: "the freezer's temperature_high alert");
        Assert.DoesNotContain(alerts!, a => a.Kind == "temperature_low");

        // Removed: the kitchen's band again, and −20 °C is far too cold for a kitchen.
        var cleared = await tech.DeleteAsync($"/api/devices/{id}/band");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Null((await cleared.Content.ReadFromJsonAsync<DeviceDto>())!.BandMin);
        await PublishAsync(mqtt, id, seq++, -20);
        await Eventually.GetAsync(() => duty.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?status=all&deviceId={id}")!,
            a => a!.Any(x => x.Kind == "temperature_low"), what: "the kitchen band's temperature_low alert");
        Assert.Empty(hub.UnexpectedErrors());
    }

    private static async Task PublishAsync(IMqttClient mqtt, string id, uint seq, double celsius)
    {
        var v = celsius.ToString(CultureInfo.InvariantCulture);
        var result = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up")
            .WithPayload(Senml.Pack(id, seq, $"{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{v}}}", Senml.Now))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(result.IsSuccess, $"publish: {result.ReasonCode}");
    }
}

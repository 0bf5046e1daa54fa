using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Readings the hub acknowledged are all kept, also when a device's clock gives two of them the same time: the firmware
/// stamps whole seconds, so two packs a moment apart share a bt. Sub-second times (bt is a JSON number) are kept as sent.
/// </summary>
public sealed class ReadingTimesTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();

    public ValueTask InitializeAsync()
    {
        _hub.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task TwoPacksInOneSecond_BothAcknowledged_BothReadingsStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var device = await _hub.RegisterDeviceAsync("climate");
        var id = device.Device.Id;
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        var bt = Senml.Now - 60;
        var second = DateTimeOffset.FromUnixTimeSeconds(bt);

        // QoS 1: each PUBACK comes once the reading is durable, so each publish returning means "acknowledged".
        await PublishAsync(mqtt, id, Senml.Temp(id, 1, 21.5, bt), ct);
        await PublishAsync(mqtt, id, Senml.Temp(id, 2, 21.7, bt), ct);           // same second, another value
        await PublishAsync(mqtt, id, Pack(id, 3, $"{bt}.3", 21.9), ct);           // 300 ms later, sent as such
        await PublishAsync(mqtt, id, Senml.Temp(id, 4, 21.5, bt), ct);           // the first reading again (new seq): nothing new
        await PublishAsync(mqtt, id, Senml.Temp(id, 2, 21.7, bt), ct);           // a redelivery: dropped as a duplicate seq

        using var admin = await _hub.AdminAsync();
        var from = Uri.EscapeDataString(second.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture));
        var points = (await admin.GetFromJsonAsync<List<PointDto>>($"/api/devices/{id}/readings?name=temp&from={from}", ct))!;

        Assert.Equal([21.5, 21.7, 21.9], points.Select(p => p.V).Order());
        Assert.Equal(second, points.Single(p => p.V == 21.5).T);
        Assert.InRange(points.Single(p => p.V == 21.7).T, second, second.AddMilliseconds(10));
        Assert.Equal(second.AddMilliseconds(300), points.Single(p => p.V == 21.9).T);
    }

    private static byte[] Pack(string id, uint seq, string bt, double celsius) => Encoding.UTF8.GetBytes(
        $"[{{\"bn\":\"urn:dev:sc:{id}:\",\"bt\":{bt},\"n\":\"seq\",\"v\":{seq}}},{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{celsius.ToString(CultureInfo.InvariantCulture)}}}]");

    private static async Task PublishAsync(IMqttClient mqtt, string id, byte[] payload, CancellationToken ct)
    {
        var result = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        Assert.True(result.IsSuccess, $"{result.ReasonCode} {result.ReasonString}");
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using QRCoder;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>The secret just shown to the technician; the hub checks it against the stored hash before encoding it.</summary>
public sealed record ProvisioningQrRequest(string Secret);

/// <summary>What the QR code carries: everything a device needs to join, nothing it could not be told by hand.</summary>
public sealed record ProvisioningData(int V, string Id, string Secret, string Host, int Port, string Ws, string Up, string Status, string Down, string Cfg);

public sealed record ProvisioningQrDto(string Svg, string Data);

public sealed record TestAlarmDto(string DeviceId, DateTimeOffset SentAt, bool Online);

/// <summary>
/// Technician tools: the provisioning QR code (rendered here with QRCoder, so the browser needs no
/// QR library and nothing leaves the hub) and a test-alarm downlink the device answers with
/// <c>{"n":"test","vb":true}</c> (firmware/README.md).
/// </summary>
public static class DeviceToolsApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RouteGroupBuilder MapDeviceToolsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/devices/{id}").WithTags("Devices").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician));
        // POST, not GET: the secret travels in the body, never in a URL that logs or history keep.
        group.MapPost("/provisioning-qr", QrAsync).WithSummary("SVG QR code of the provisioning data; needs the secret shown at registration");
        group.MapPost("/test-alarm", TestAlarmAsync).WithSummary("Sends {\"cmd\":\"test-alarm\"} on the device's downlink");
        return group;
    }

    private static async Task<Results<Ok<ProvisioningQrDto>, NotFound, ValidationProblem>> QrAsync(
        string id, ProvisioningQrRequest req, HubDbContext db, IOptions<HubOptions> options, IOptions<BrokerOptions> broker, HttpContext http, CancellationToken ct)
    {
        var device = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        // Only the current secret is encoded: the endpoint cannot be used to mint codes for guesses.
        if (!DeviceSecret.Verify(req.Secret, device.SecretHash))
            return ApiProblem.Invalid("secret", "the secret does not match this device");
        var o = options.Value;
        var (host, port) = DevicesApi.DeviceEndpoint(o, broker.Value, http);
        var data = JsonSerializer.Serialize(new ProvisioningData(1, id, req.Secret, host, port, o.MqttWebSocketPath,
            Topic.Up(id), Topic.Status(id), Topic.Down(id), Topic.Cfg(id)), Json);
        using var generator = new QRCodeGenerator();
        using var code = generator.CreateQrCode(data, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(code).GetGraphic(6, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
        return TypedResults.Ok(new ProvisioningQrDto(svg, data));
    }

    private static async Task<Results<Accepted<TestAlarmDto>, NotFound>> TestAlarmAsync(
        string id, DeviceDirectory directory, Downlink downlink, TimeProvider time, CancellationToken ct)
    {
        if (await directory.FindOrLoadAsync(id, ct) is not { } entry || entry.Revoked)
            return TypedResults.NotFound();
        bool online;
        lock (entry.Sync)
            online = entry.Online;
        // QoS 1: a persistent session queues it for a device that is briefly away.
        await downlink.SendAsync(id, Downlink.TestAlarm, ct);
        return TypedResults.Accepted($"/api/devices/{id}", new TestAlarmDto(id, time.GetUtcNow(), online));
    }
}

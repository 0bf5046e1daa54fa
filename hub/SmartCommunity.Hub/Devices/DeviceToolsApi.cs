using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>The secret just shown to the technician; the hub checks it against the stored hash before encoding it.</summary>
public sealed record ProvisioningQrRequest(string Secret);

/// <summary>The QR code of the device's provisioning document (<see cref="ProvisioningDocument"/>): <c>Data</c> is its exact
/// text, <c>Notes</c> say which fields the hub could not fill (<see cref="ProvisioningNote"/>).</summary>
public sealed record ProvisioningQrDto(string Svg, string Data, IReadOnlyList<string> Notes);

public sealed record TestAlarmDto(string DeviceId, DateTimeOffset SentAt, bool Online);

/// <summary>
/// Technician tools: the provisioning QR code (rendered here with QRCoder, so the browser needs no QR library and
/// nothing leaves the hub; SVG for the page, PNG for printing) and a test-alarm downlink the device answers with
/// <c>{"n":"test","vb":true}</c> (firmware/README.md).
/// </summary>
public static class DeviceToolsApi
{
    public static RouteGroupBuilder MapDeviceToolsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/devices/{id}").WithTags("Devices").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician));
        // POST, not GET: the secret travels in the body, never in a URL that logs or history keep.
        group.MapPost("/provisioning-qr", QrAsync).WithSummary("The provisioning document and its QR code as SVG; needs the secret shown at registration");
        group.MapPost("/provisioning-qr.png", QrPngAsync).WithSummary("The provisioning QR code as PNG, for printing; needs the secret shown at registration");
        group.MapPost("/test-alarm", TestAlarmAsync).WithSummary("Sends {\"cmd\":\"test-alarm\"} on the device's downlink");
        return group;
    }

    private static async Task<Results<Ok<ProvisioningQrDto>, NotFound, ValidationProblem>> QrAsync(
        string id, ProvisioningQrRequest req, HubDbContext db, DeviceProvisioning provisioning, HttpContext http, CancellationToken ct)
    {
        var (found, answer) = await DocumentAsync(id, req, db, provisioning, http, ct);
        if (!found)
            return TypedResults.NotFound();
        if (answer is null)
            return WrongSecret();
        var data = answer.Document.ToJson();
        using var code = DeviceProvisioning.Encode(data);
        return TypedResults.Ok(new ProvisioningQrDto(DeviceProvisioning.Svg(code), data, answer.Notes));
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem>> QrPngAsync(
        string id, ProvisioningQrRequest req, HubDbContext db, DeviceProvisioning provisioning, HttpContext http, CancellationToken ct)
    {
        var (found, answer) = await DocumentAsync(id, req, db, provisioning, http, ct);
        if (!found)
            return TypedResults.NotFound();
        if (answer is null)
            return WrongSecret();
        using var code = DeviceProvisioning.Encode(answer.Document.ToJson());
        return TypedResults.File(DeviceProvisioning.Png(code), "image/png", $"{id}-provisioning.png");
    }

    // Problem details with the field, like every refused input.
    private static ValidationProblem WrongSecret() => ApiProblem.Invalid("secret", "the secret does not match this device");

    /// <summary>The device exists, and its document when <paramref name="req"/> has its current secret.</summary>
    private static async Task<(bool Found, ProvisioningAnswer? Answer)> DocumentAsync(
        string id, ProvisioningQrRequest req, HubDbContext db, DeviceProvisioning provisioning, HttpContext http, CancellationToken ct)
    {
        var device = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return (false, null);
        // Only the current secret is encoded: the endpoint cannot be used to mint codes for guesses.
        if (!DeviceSecret.Verify(req.Secret, device.SecretHash))
            return (true, null);
        return (true, provisioning.For(id, device.Kind, req.Secret, http));
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

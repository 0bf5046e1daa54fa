using System.Text.Json;
using Microsoft.Extensions.Options;
using QRCoder;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.Devices;

/// <summary>Why a provisioning document lacks a field; the technician page explains each in the reader's language.</summary>
public static class ProvisioningNote
{
    /// <summary>The embedded broker has no TLS port (no Hub:Tls:CertificatePath): the firmware refuses plain MQTT.</summary>
    public const string NoTls = "no_tls";

    /// <summary>The hub was reached under a name a device cannot be given (an IPv6 literal).</summary>
    public const string HostUnusable = "host_unusable";

    /// <summary>No Hub:Tls:CaPath: the hub cannot tell devices which CA to pin.</summary>
    public const string NoCa = "no_ca";
}

/// <summary>A device's provisioning document and the notes on what it could not say.</summary>
public sealed record ProvisioningAnswer(ProvisioningDocument Document, IReadOnlyList<string> Notes)
{
    /// <summary>The document as a JSON value, for the register response (written as is, not renamed to camelCase).</summary>
    public JsonElement Element()
    {
        using var parsed = JsonDocument.Parse(Document.ToJson());
        return parsed.RootElement.Clone();
    }
}

/// <summary>
/// Makes the provisioning document (<see cref="ProvisioningDocument"/>) for a device: where it connects over TLS, the
/// CA it pins, the kind's settings; and its QR code (error correction M, as SVG for the page and PNG for printing).
/// </summary>
public sealed class DeviceProvisioning(IOptions<HubOptions> hub, IOptions<BrokerOptions> broker)
{
    // Read once: Hub:Tls:CaPath was checked at start (TlsOptionsValidator), and devices are told one fingerprint.
    private readonly Lazy<string?> _caSha256 = new(() => TlsSetup.CaSha256(hub.Value.Tls));

    public ProvisioningAnswer For(string deviceId, DeviceKind kind, string secret, HttpContext http)
    {
        var notes = new List<string>();
        var o = hub.Value;
        var b = broker.Value;
        string? url = null;
        if (b.IsExternal)
        {
            // The external broker's device listener is TLS (the firmware speaks nothing else): DeviceHost/DevicePort name it.
            url = ProvisioningDocument.BrokerUrlFor(b.External.DeviceHost ?? b.External.Host, b.External.DevicePort ?? b.External.Port);
            if (url is null)
                notes.Add(ProvisioningNote.HostUnusable);
        }
        else if (!o.Tls.Enabled)
        {
            notes.Add(ProvisioningNote.NoTls);
        }
        else
        {
            // The name the technician reached the hub by: the device is installed on the same network.
            url = ProvisioningDocument.BrokerUrlFor(http.Request.Host.Host, o.Tls.MqttTlsPort);
            if (url is null)
                notes.Add(ProvisioningNote.HostUnusable);
        }
        var ca = _caSha256.Value;
        if (ca is null)
            notes.Add(ProvisioningNote.NoCa);
        return new(ProvisioningDocument.ForDevice(deviceId, kind, secret, url, ca), notes);
    }

    /// <summary>Error correction M (15 % of the code may be damaged or covered): the level printed labels need.</summary>
    public static QRCodeData Encode(string text)
    {
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
    }

    public static string Svg(QRCodeData code) =>
        new SvgQRCode(code).GetGraphic(6, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);

    /// <summary>10 pixels a module with the quiet zone: ~0.8 mm a module at 300 dpi, readable from a phone. A sheet of
    /// thousands (bulk onboarding) takes fewer pixels and lets the page scale them up.</summary>
    public static byte[] Png(QRCodeData code, int pixelsPerModule = 10) => new PngByteQRCode(code).GetGraphic(pixelsPerModule);
}

using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Security;

/// <summary>The hub's listeners: plain HTTP and MQTT (unless TLS is required), HTTPS and MQTT over TLS when a certificate is configured.</summary>
public static class TlsSetup
{
    // TLS 1.0/1.1 are deprecated (RFC 8996); every client the hub serves speaks 1.2 or 1.3.
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static void Listen(KestrelServerOptions kestrel, IPAddress ip, HubOptions o, bool mqtt = true, Action<ListenOptions>? mqttGuard = null)
    {
        // Kestrel may be configured before the options are validated at start; the same checks, the same messages.
        if (new TlsOptionsValidator(externalBroker: !mqtt).Validate(null, o) is { Failed: true } invalid)
            throw new OptionsValidationException(HubOptions.Section, typeof(HubOptions), invalid.Failures);
        if (!o.Tls.RequireTls)
        {
            kestrel.Listen(ip, o.HttpPort);
            if (mqtt)
                kestrel.Listen(ip, o.MqttPort, listen =>
                {
                    mqttGuard?.Invoke(listen);
                    listen.UseMqtt();
                });
        }
        if (!o.Tls.Enabled)
            return;
        var (certificate, chain) = LoadServerCertificate(o.Tls);
        kestrel.Listen(ip, o.Tls.HttpsPort, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = certificate;
            https.ServerCertificateChain = chain;
            https.SslProtocols = Protocols;
        }));
        if (!mqtt)
            return;
        var askDevices = !string.IsNullOrWhiteSpace(o.Tls.DeviceCaPath);
        kestrel.Listen(ip, o.Tls.MqttTlsPort, listen =>
        {
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                https.ServerCertificateChain = chain;
                https.SslProtocols = Protocols;
                // Asked, not required: devices with a password connect here too. The handshake proves the
                // device holds the key; whether the certificate chains to the device CA and names a live
                // device is decided in DeviceGate, where a refusal is counted against the device it names.
                https.ClientCertificateMode = askDevices ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.NoCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            });
            mqttGuard?.Invoke(listen);
            listen.UseMqtt();
        });
    }

    /// <summary>The server certificate with its private key, and any intermediates that follow it in a PEM file.</summary>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadServerCertificate(TlsOptions o)
    {
        var path = o.CertificatePath ?? throw new InvalidOperationException("Hub:Tls:CertificatePath is not set");
        var chain = new X509Certificate2Collection();
        if (IsPfx(path))
            return (X509CertificateLoader.LoadPkcs12FromFile(path, o.Password), chain);
        using var pem = string.IsNullOrEmpty(o.Password)
            ? X509Certificate2.CreateFromPemFile(path, NullIfEmpty(o.KeyPath))
            : X509Certificate2.CreateFromEncryptedPemFile(path, o.Password, NullIfEmpty(o.KeyPath));
        if (!pem.HasPrivateKey)
            throw new InvalidOperationException($"{path}: no private key (set Hub:Tls:KeyPath)");
        // A key read from PEM is ephemeral; SslStream wants one it can hand to the platform, so round-trip through PKCS#12.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(path);
        foreach (var c in all)
        {
            if (c.Thumbprint != certificate.Thumbprint)
                chain.Add(c);
        }
        return (certificate, chain);
    }

    /// <summary>The CA certificates in a PEM file (several while one device CA replaces another).</summary>
    public static X509Certificate2Collection LoadCaFile(string path)
    {
        var cas = new X509Certificate2Collection();
        cas.ImportFromPemFile(path);
        if (cas.Count == 0)
            throw new InvalidOperationException($"{path}: no PEM certificates");
        return cas;
    }

    /// <summary>SHA-256 of the CA certificate in Hub:Tls:CaPath (DER, 64 lowercase hex digits: what
    /// <c>openssl x509 -noout -fingerprint -sha256</c> prints, without colons), or null when none is configured.</summary>
    public static string? CaSha256(TlsOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.CaPath))
            return null;
        var cas = LoadCaFile(o.CaPath);
        try
        {
            return Convert.ToHexStringLower(cas[0].GetCertHash(HashAlgorithmName.SHA256));
        }
        finally
        {
            foreach (var c in cas)
                c.Dispose();
        }
    }

    private static bool IsPfx(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>Checks the TLS settings at start, with messages that name the setting and the file.</summary>
/// <param name="externalBroker">Devices connect to an external broker: Hub:Tls:CaPath is then that broker's CA, not the
/// issuer of the hub's own certificate.</param>
public sealed class TlsOptionsValidator(bool externalBroker = false) : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        var t = options.Tls;
        var errors = new List<string>();
        if (t.RequireTls && !t.Enabled)
            errors.Add("Hub:Tls:RequireTls needs Hub:Tls:CertificatePath");
        if (!t.Enabled && !string.IsNullOrWhiteSpace(t.DeviceCaPath))
            errors.Add("Hub:Tls:DeviceCaPath needs Hub:Tls:CertificatePath (client certificates are asked for on the MQTT TLS port)");
        using var ca = LoadPinnedCa(t, errors);
        if (!t.Enabled)
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        if (t.HttpsPort is < 1 or > 65535 || t.MqttTlsPort is < 1 or > 65535)
            errors.Add("Hub:Tls:HttpsPort and Hub:Tls:MqttTlsPort must be 1–65535");
        int[] ports = t.RequireTls ? [t.HttpsPort, t.MqttTlsPort] : [options.HttpPort, options.MqttPort, t.HttpsPort, t.MqttTlsPort];
        if (ports.Where(p => p != 0).GroupBy(p => p).Any(g => g.Count() > 1))
            errors.Add("Hub:HttpPort, Hub:MqttPort, Hub:Tls:HttpsPort and Hub:Tls:MqttTlsPort must differ");
        if (!File.Exists(t.CertificatePath))
            errors.Add($"Hub:Tls:CertificatePath: {t.CertificatePath} does not exist");
        else if (!string.IsNullOrWhiteSpace(t.KeyPath) && !File.Exists(t.KeyPath))
            errors.Add($"Hub:Tls:KeyPath: {t.KeyPath} does not exist");
        else
        {
            try
            {
                var (certificate, chain) = TlsSetup.LoadServerCertificate(t);
                using (certificate)
                {
                    if (ca is not null && !externalBroker && ChainProblem(certificate, chain, ca) is { } problem)
                        errors.Add($"Hub:Tls:CaPath: the server certificate \"{certificate.Subject}\" does not chain to the CA in {t.CaPath} ({problem}); devices pinning it could not connect");
                }
                foreach (var c in chain)
                    c.Dispose();
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or ArgumentException)
            {
                errors.Add($"Hub:Tls:CertificatePath: cannot load {t.CertificatePath}: {ex.Message}");
            }
        }
        if (!string.IsNullOrWhiteSpace(t.DeviceCaPath))
        {
            try
            {
                TlsSetup.LoadCaFile(t.DeviceCaPath);
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or IOException)
            {
                errors.Add($"Hub:Tls:DeviceCaPath: cannot load {t.DeviceCaPath}: {ex.Message}");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The one CA certificate of Hub:Tls:CaPath, or null (none configured, or an error was added).</summary>
    private static X509Certificate2? LoadPinnedCa(TlsOptions t, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(t.CaPath))
            return null;
        try
        {
            var cas = TlsSetup.LoadCaFile(t.CaPath);
            if (cas.Count == 1)
                return cas[0];
            foreach (var c in cas)
                c.Dispose();
            // Devices pin one fingerprint: a file with several would leave it to chance which one they are told.
            errors.Add($"Hub:Tls:CaPath: {t.CaPath} holds {cas.Count} certificates; it must hold the one CA devices pin");
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or IOException)
        {
            errors.Add($"Hub:Tls:CaPath: cannot load {t.CaPath}: {ex.Message}");
        }
        return null;
    }

    private static string? ChainProblem(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Expiry is not this check's business: the question is only whether this CA issued the chain.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        try
        {
            return chain.Build(certificate) ? null : string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        }
        finally
        {
            foreach (var element in chain.ChainElements)
                element.Certificate.Dispose();
        }
    }
}

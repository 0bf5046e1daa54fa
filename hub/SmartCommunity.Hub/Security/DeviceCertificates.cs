using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Security;

/// <summary>What a device's client certificate says: the device it names, or why it is not accepted.</summary>
public readonly record struct CertificateCheck(string? DeviceId, string? Problem)
{
    public bool Valid => Problem is null;
}

/// <summary>
/// Mutual TLS for devices: a client certificate is accepted in place of a password when it chains to
/// the device CA (Hub:Tls:DeviceCaPath), is valid now, allows client authentication, and names exactly
/// one device id in its subject CN or DNS subject alternative names. Whether that device exists and is
/// not revoked is DeviceGate's question.
/// </summary>
public sealed class DeviceCertificates
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private readonly X509Certificate2Collection _roots;
    private readonly TimeProvider _time;

    public DeviceCertificates(IOptions<HubOptions> options, TimeProvider time)
    {
        _time = time;
        var path = options.Value.Tls.DeviceCaPath;
        _roots = string.IsNullOrWhiteSpace(path) ? [] : TlsSetup.LoadCaFile(path);
    }

    public bool Enabled => _roots.Count > 0;

    public CertificateCheck Check(X509Certificate2 certificate)
    {
        var named = NamedDevices(certificate);
        var id = named.Count == 1 ? named[0] : null;
        if (!Enabled)
            return new(id, "client certificates are not accepted (no Hub:Tls:DeviceCaPath)");
        if (named.Count == 0)
            return new(null, $"certificate \"{certificate.Subject}\" names no device id");
        if (named.Count > 1)
            return new(null, $"certificate names several devices ({string.Join(", ", named)})");

        var now = _time.GetUtcNow().UtcDateTime;
        if (now > certificate.NotAfter.ToUniversalTime())
            return new(id, $"certificate expired at {certificate.NotAfter.ToUniversalTime():u}");
        if (now < certificate.NotBefore.ToUniversalTime())
            return new(id, $"certificate not valid before {certificate.NotBefore.ToUniversalTime():u}");
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } eku
            && !eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(u => u.Value == ClientAuthentication))
            return new(id, "certificate is not for client authentication (extended key usage)");

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        // Devices are cut off by revoking them in the hub (which beats any certificate), not through CRLs.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        try
        {
            if (!chain.Build(certificate))
            {
                var status = string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
                return new(id, $"certificate issued by \"{certificate.Issuer}\" does not chain to the device CA ({status})");
            }
            return new(id, null);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
                element.Certificate.Dispose();
        }
    }

    /// <summary>Device ids named in the subject CN and the DNS alternative names (a device id is a valid DNS label).</summary>
    private static List<string> NamedDevices(X509Certificate2 certificate)
    {
        var names = new List<string>();
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (!string.IsNullOrEmpty(cn))
            names.Add(cn);
        if (certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san)
            names.AddRange(san.EnumerateDnsNames());
        return names.Where(n => DeviceIdentifier.IsValid(n)).Distinct(StringComparer.Ordinal).ToList();
    }
}

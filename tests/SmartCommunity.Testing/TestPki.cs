using System.Net;
using System.Net.Security;
using MQTTnet;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartCommunity.Testing;

/// <summary>
/// Certificates made in-process (CertificateRequest), the same shape scripts/dev-certs makes with
/// openssl: a server CA and a device CA, a server certificate for localhost/127.0.0.1, device client
/// certificates with the device id as CN and DNS name. PEM files in a temp folder, for the hub's options.
/// </summary>
public sealed class TestPki : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public TestPki()
    {
        Directory.CreateDirectory(Folder);
        ServerCa = CreateCa("SmartCommunity Test CA");
        DeviceCa = CreateCa("SmartCommunity Test Device CA");
        var server = Issue(ServerCa, "localhost", ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), san =>
        {
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
        });
        ServerCertificatePath = Path.Combine(Folder, "server.pem");
        ServerKeyPath = Path.Combine(Folder, "server.key");
        File.WriteAllText(ServerCertificatePath, server.ExportCertificatePem());
        File.WriteAllText(ServerKeyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        DeviceCaPath = Path.Combine(Folder, "device-ca.pem");
        File.WriteAllText(DeviceCaPath, DeviceCa.ExportCertificatePem());
        ServerCaPath = Path.Combine(Folder, "ca.pem");
        File.WriteAllText(ServerCaPath, ServerCa.ExportCertificatePem());
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "sc-pki-" + Guid.NewGuid().ToString("N"));
    public X509Certificate2 ServerCa { get; }
    public X509Certificate2 DeviceCa { get; }
    public string ServerCertificatePath { get; }
    public string ServerKeyPath { get; }
    public string DeviceCaPath { get; }

    /// <summary>The server CA's certificate alone (what scripts/dev-certs writes as ca.pem): the CA devices pin.</summary>
    public string ServerCaPath { get; }

    /// <summary>SHA-256 of the server CA's certificate (DER), lowercase hex: the firmware's ca_sha256.</summary>
    public string ServerCaSha256 => Convert.ToHexStringLower(ServerCa.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>Hub settings for TLS with these files, on the given ports.</summary>
    public Dictionary<string, string?> HubSettings(bool deviceCertificates = true, bool requireTls = false) => new()
    {
        ["Hub:Tls:CertificatePath"] = ServerCertificatePath,
        ["Hub:Tls:KeyPath"] = ServerKeyPath,
        ["Hub:Tls:DeviceCaPath"] = deviceCertificates ? DeviceCaPath : null,
        ["Hub:Tls:CaPath"] = ServerCaPath,
        ["Hub:Tls:RequireTls"] = requireTls ? "true" : "false",
    };

    /// <summary>A device client certificate (with its key) signed by the device CA, or by <paramref name="issuer"/>.</summary>
    public X509Certificate2 Device(string deviceId, X509Certificate2? issuer = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(issuer ?? DeviceCa, deviceId, ClientAuth, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(365), san => san.AddDnsName(deviceId));

    public static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(5));
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string cn, string usage, DateTimeOffset notBefore, DateTimeOffset notAfter, Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(issuer, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives a key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>An MQTT client over TLS to 127.0.0.1 that trusts only <paramref name="trust"/> for the hub, optionally presenting a device certificate.</summary>
    public static MqttClientOptions MqttTls(int port, string clientId, string? username, string? password, X509Certificate2 trust, X509Certificate2? certificate = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithTlsOptions(ClientTls(trust, certificate))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (username is not null)
            builder.WithCredentials(username, password);
        return builder.Build();
    }

    /// <summary>Trust exactly the given CA for the server (by chain and name), and present the device certificate if any.</summary>
    public static MqttClientTlsOptions ClientTls(X509Certificate2 trust, X509Certificate2? certificate) => new()
    {
        UseTls = true,
        TargetHost = "localhost",
        CertificateValidationHandler = a =>
            (a.SslPolicyErrors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && TrustedBy(trust, a.Certificate),
        ClientCertificatesProvider = certificate is null ? null : new Certificates(certificate),
    };

    /// <summary>An HttpClient for the hub's HTTPS port that trusts only <paramref name="trust"/>.</summary>
    public static HttpClient Https(int port, X509Certificate2 trust) =>
        new(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && TrustedBy(trust, presented),
        }) { BaseAddress = new Uri($"https://localhost:{port}") };

    /// <summary>A certificate and key from PEM files (what scripts/dev-certs writes), usable by SslStream.</summary>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class Certificates(X509Certificate2 certificate) : IMqttClientCertificatesProvider
    {
        public X509CertificateCollection GetCertificates() => [certificate];
    }

    /// <summary>For a TLS client: trust exactly this CA (and nothing from the system store).</summary>
    public static bool TrustedBy(X509Certificate2 ca, X509Certificate? presented)
    {
        if (presented is null)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
    }

    public void Dispose()
    {
        ServerCa.Dispose();
        DeviceCa.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException) { }
    }
}

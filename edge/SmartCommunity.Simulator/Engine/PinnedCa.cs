using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// The firmware's <c>ca_sha256</c>: the broker is accepted only when its certificate names the host the device was
/// given and chains to the CA certificate whose SHA-256 (of the DER) is the pin. The CA comes from what the broker
/// presents or from the device's CA store; the system's trusted roots play no part.
/// </summary>
internal static class PinnedCa
{
    /// <summary>Why the broker is refused, or null when it is accepted.</summary>
    public static string? Problem(X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors, string pin, IReadOnlyList<X509Certificate2> store)
    {
        if (presented is null)
        {
            return "the broker presented no certificate";
        }

        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return $"the broker's certificate does not name the host it was reached by ({errors})";
        }

        var sent = new X509Certificate2Collection();
        if (chain is not null)
        {
            sent.AddRange(chain.ChainPolicy.ExtraStore);
            foreach (var element in chain.ChainElements)
            {
                sent.Add(element.Certificate);
            }
        }

        var ca = sent.Concat(store).FirstOrDefault(c => string.Equals(Convert.ToHexStringLower(c.GetCertHash(HashAlgorithmName.SHA256)), pin, StringComparison.OrdinalIgnoreCase));
        if (ca is null)
        {
            return $"no CA certificate with ca_sha256 {pin[..12]}… among those the broker sent or the device's store";
        }

        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var build = new X509Chain();
        build.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        build.ChainPolicy.CustomTrustStore.Add(ca);
        build.ChainPolicy.ExtraStore.AddRange(sent);
        build.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return build.Build(leaf)
            ? null
            : $"the broker's certificate does not chain to the pinned CA ({string.Join("; ", build.ChainStatus.Select(s => s.Status).Distinct())})";
    }
}

using System;
using System.Security.Cryptography;

namespace SmartCommunity.Domain.Devices;

/// <summary>
/// Device secrets: 128 random bits, shown once at registration, stored as salt + HMAC-SHA256.
/// A slow password hash (PBKDF2) is for low-entropy human passwords; for 128-bit random secrets one
/// keyed hash is already infeasible to invert, and it keeps a reconnect storm of 10,000 devices cheap.
/// </summary>
public static class DeviceSecret
{
    private const int SecretBytes = 16;
    private const int SaltBytes = 16;

    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Returns "v1$salt$hash" (hex).</summary>
    public static string Hash(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        return Format(salt, Compute(salt, secret));
    }

    public static bool Verify(string? secret, string? stored)
    {
        if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(stored) || secret.Length > 256)
            return false;
        var parts = stored.Split('$');
        if (parts.Length != 3 || parts[0] != "v1")
            return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromHexString(parts[1]);
            expected = Convert.FromHexString(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Compute(salt, secret), expected);
    }

    private static byte[] Compute(ReadOnlySpan<byte> salt, string secret) =>
        HMACSHA256.HashData(salt, System.Text.Encoding.UTF8.GetBytes(secret));

    private static string Format(ReadOnlySpan<byte> salt, byte[] hash) =>
        $"v1${Convert.ToHexStringLower(salt)}${Convert.ToHexStringLower(hash)}";
}

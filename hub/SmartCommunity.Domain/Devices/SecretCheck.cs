using System;

namespace SmartCommunity.Domain.Devices;

public enum SecretMatch
{
    /// <summary>Neither secret.</summary>
    None,
    /// <summary>The current secret.</summary>
    Current,
    /// <summary>The previous secret, inside its grace period.</summary>
    Previous,
    /// <summary>The previous secret after its grace period ended.</summary>
    PreviousExpired,
}

/// <summary>Which of a device's secrets a password is, during and after a rotation.</summary>
public static class SecretCheck
{
    public static SecretMatch Match(string? password, string currentHash, string? previousHash, DateTimeOffset? previousValidUntil, DateTimeOffset now)
    {
        if (DeviceSecret.Verify(password, currentHash))
            return SecretMatch.Current;
        if (previousHash is null || !DeviceSecret.Verify(password, previousHash))
            return SecretMatch.None;
        return previousValidUntil is { } until && now < until ? SecretMatch.Previous : SecretMatch.PreviousExpired;
    }
}

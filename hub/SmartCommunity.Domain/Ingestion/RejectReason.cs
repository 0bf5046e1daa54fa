using System;

namespace SmartCommunity.Domain.Ingestion;

/// <summary>Why the hub refused a message. Wire codes are in docs/protocol.md.</summary>
public enum RejectReason
{
    None,
    TooLarge,
    MalformedJson,
    Schema,
    BadTopic,
    UnknownDevice,
    AclDenied,
    DeviceMismatch,
    UnknownMeasurement,
    WrongUnit,
    OutOfRange,
    ClockSkew,
    MissingSeq,
    Duplicate,
    RateLimited,
    BadCredentials,
    /// <summary>A client certificate that does not chain to the device CA, has expired, or names no live device.</summary>
    BadCertificate,
    /// <summary>A device secret replaced by a rotation, used after its grace period.</summary>
    SecretExpired,
    /// <summary>A CONNECT with a new client id while the device already holds its share of live connections.</summary>
    TooManyConnections,
    /// <summary>A gateway forwarded a message for a device outside its community (another community's, unknown or revoked).</summary>
    GatewayScope,
}

public static class RejectReasons
{
    public static string ToCode(this RejectReason reason) => reason switch
    {
        RejectReason.None => "none",
        RejectReason.TooLarge => "too_large",
        RejectReason.MalformedJson => "malformed_json",
        RejectReason.Schema => "schema",
        RejectReason.BadTopic => "bad_topic",
        RejectReason.UnknownDevice => "unknown_device",
        RejectReason.AclDenied => "acl_denied",
        RejectReason.DeviceMismatch => "device_mismatch",
        RejectReason.UnknownMeasurement => "unknown_measurement",
        RejectReason.WrongUnit => "wrong_unit",
        RejectReason.OutOfRange => "out_of_range",
        RejectReason.ClockSkew => "clock_skew",
        RejectReason.MissingSeq => "missing_seq",
        RejectReason.Duplicate => "duplicate",
        RejectReason.RateLimited => "rate_limited",
        RejectReason.BadCredentials => "bad_credentials",
        RejectReason.BadCertificate => "bad_certificate",
        RejectReason.SecretExpired => "secret_expired",
        RejectReason.TooManyConnections => "too_many_connections",
        RejectReason.GatewayScope => "gateway_scope",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace SmartCommunity.Gateway;

/// <summary>Settings under <c>Gateway:</c> (docs/gateway.md). Code defaults suit a community box; the id, the secret
/// and the hub's addresses are the only settings an installation must give.</summary>
public sealed partial class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The gateway's id as registered at the hub (<c>POST /api/gateways</c>).</summary>
    [Required]
    public string Id { get; set; } = "";

    /// <summary>The secret the hub showed once at registration. Better given by <see cref="SecretFile"/> than inline.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the secret (read at start; e.g. a systemd credential).</summary>
    public string? SecretFile { get; set; }

    /// <summary>The hub's HTTP(S) address, for the registry sync.</summary>
    [Required]
    public Uri? HubUrl { get; set; }

    /// <summary>The hub's MQTT broker.</summary>
    [Required]
    public string UplinkHost { get; set; } = "";

    [Range(1, 65535)]
    public int UplinkPort { get; set; } = 8883;

    public bool UplinkTls { get; set; } = true;

    /// <summary>Queue, registry cache. Must survive a restart (not /tmp on a tmpfs).</summary>
    public string DataDirectory { get; set; } = "/var/lib/smartcommunity-gateway";

    /// <summary>Where devices connect (all interfaces by default: devices are on the community's network).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    [Range(1, 65535)]
    public int MqttPort { get; set; } = 1883;

    /// <summary>The gateway's own status page (<c>/status</c>).</summary>
    [Range(1, 65535)]
    public int HttpPort { get; set; } = 8080;

    public TimeSpan RegistrySyncInterval { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes the queue may hold; beyond it routine readings are dropped oldest-first, life-safety events never.</summary>
    [Range(1024, long.MaxValue)]
    public long DiskQuotaBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size at which a queue segment file is closed and a new one begun.</summary>
    [Range(1024, int.MaxValue)]
    public int SegmentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Forwarded messages awaiting the hub's PUBACK at once (at most one per device, so order holds).</summary>
    [Range(1, 65535)]
    public int InFlightWindow { get; set; } = 256;

    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A program run for each local alert with the device id and alert kind as arguments (a sounder, a siren relay).</summary>
    public string? SounderCommand { get; set; }

    /// <summary>Each local alert is POSTed here as JSON (an SMS gateway, a paging service on the community's network).</summary>
    public Uri? AlertWebhook { get; set; }

    /// <summary>How long the hub may take to acknowledge (PUBACK) a life-safety message while the uplink seems up. Past it
    /// the link is taken for dead — a keep-alive would notice only after 45 s — so the gateway raises the local alert at
    /// once and reconnects, which reports the local alert to the hub before the replay.</summary>
    public TimeSpan LifeSafetyAckTimeout { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>The duty room's phones: each local alert is sent to every one by SMS (through <see cref="Twilio"/>).
    /// None (the default): no SMS.</summary>
    public List<DutyPhone> DutyPhones { get; set; } = [];

    /// <summary>The language of the SMS for a number that names none: <c>en</c> or <c>zh-CN</c>.</summary>
    public string SmsLanguage { get; set; } = "zh-CN";

    /// <summary>Attempts per SMS before it is given up (counted and logged); between them the wait doubles from <see cref="SmsRetryMin"/>.</summary>
    [Range(1, 20)]
    public int SmsMaxAttempts { get; set; } = 6;

    public TimeSpan SmsRetryMin { get; set; } = TimeSpan.FromSeconds(5);

    public GatewayTwilioOptions Twilio { get; set; } = new();

    /// <summary>The duty room's password for the local board (the dashboard served by the gateway; each person signs in
    /// with their name and it); without one nobody can sign in.</summary>
    public string? BoardPassword { get; set; }

    /// <summary>The built dashboard (dashboard/dist); empty: <c>dashboard/</c> next to the binary, else dashboard/dist above the working directory.</summary>
    public string? DashboardPath { get; set; }

    public string ClientId => "gw/" + Id;

    public string AlertTopic => $"sc/gw/v1/{Id}/alert";

    public string HealthTopic => $"sc/gw/v1/{Id}/health";

    public string DownlinkFilter => $"sc/gw/v1/{Id}/d/#";

    public string ResolveSecret()
    {
        if (!string.IsNullOrEmpty(Secret))
            return Secret;
        if (!string.IsNullOrEmpty(SecretFile))
            return File.ReadAllText(SecretFile).Trim();
        throw new InvalidOperationException("Gateway:Secret or Gateway:SecretFile is required");
    }

    [GeneratedRegex("^gw-[a-z0-9-]{2,28}$")]
    public static partial Regex IdPattern();

    /// <summary>Phone numbers in E.164, as the hub's SMS settings take them.</summary>
    public static bool IsE164(string? phone) => phone is not null && E164().IsMatch(phone);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    public static bool IsSmsLanguage(string? language) => language is "en" or "zh-CN";

    /// <summary>What is wrong with the SMS settings (nothing when no duty phone is set: SMS is off).</summary>
    public IEnumerable<string> SmsProblems()
    {
        if (!IsSmsLanguage(SmsLanguage))
            yield return "Gateway:SmsLanguage is en or zh-CN";
        if (DutyPhones.Count == 0)
            yield break;
        for (var i = 0; i < DutyPhones.Count; i++)
        {
            if (!IsE164(DutyPhones[i].Number))
                yield return $"Gateway:DutyPhones:{i}:Number is a phone number in E.164 (+8613800000000)";
            if (DutyPhones[i].Language is { } l && !IsSmsLanguage(l))
                yield return $"Gateway:DutyPhones:{i}:Language is en or zh-CN";
        }
        if (string.IsNullOrWhiteSpace(Twilio.AccountSid))
            yield return "Gateway:Twilio:AccountSid is required for SMS to the duty phones";
        if (string.IsNullOrWhiteSpace(Twilio.AuthToken))
            yield return "Gateway:Twilio:AuthToken is required for SMS to the duty phones (from the environment: Gateway__Twilio__AuthToken)";
        if (!IsE164(Twilio.From))
            yield return "Gateway:Twilio:From is the sending number in E.164";
        if (Twilio.ApiBaseUrl is not { IsAbsoluteUri: true, Scheme: "http" or "https" })
            yield return "Gateway:Twilio:ApiBaseUrl is an absolute http(s) address";
        if (Twilio.Timeout <= TimeSpan.Zero || SmsRetryMin <= TimeSpan.Zero)
            yield return "Gateway:Twilio:Timeout and Gateway:SmsRetryMin are above 0";
    }
}

/// <summary>A phone of the community's duty room, and the language its SMS are written in (else <see cref="GatewayOptions.SmsLanguage"/>).</summary>
public sealed class DutyPhone
{
    public string Number { get; set; } = "";
    public string? Language { get; set; }
}

/// <summary>Twilio's REST API, as the hub uses it (Hub:Notifications:Sms:Twilio). The auth token comes from the environment
/// (<c>Gateway__Twilio__AuthToken</c>) and is never logged.</summary>
public sealed class GatewayTwilioOptions
{
    public string AccountSid { get; set; } = "";
    public string AuthToken { get; set; } = "";
    /// <summary>The sending number (E.164).</summary>
    public string From { get; set; } = "";
    /// <summary>Where Twilio's REST API is; tests point it at a local fake.</summary>
    public Uri? ApiBaseUrl { get; set; } = new("https://api.twilio.com/");
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
}

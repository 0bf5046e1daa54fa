namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Everything provisioning sets, plus the numeric tunables of <see cref="Setting"/>. Changes are always
/// made on a staged copy and swapped in whole (see <see cref="ConfigStore"/>), never field by field on
/// the live config.
/// </summary>
public sealed class DeviceConfig
{
    public const string KeyWifiSsid = "wifi_ssid";
    public const string KeyWifiPassword = "wifi_password";
    public const string KeyBrokerUrl = "broker_url";
    public const string KeyDeviceId = "device_id";
    public const string KeyDeviceSecret = "device_secret";
    public const string KeyCaSha256 = "ca_sha256";
    public const string KeyProfile = "profile";

    private readonly int[] _values = new int[Setting.Count];

    public DeviceConfig()
    {
        Reset();
    }

    public string WifiSsid { get; private set; } = "";

    public string WifiPassword { get; private set; } = "";

    /// <summary>mqtts://host[:port]; plain mqtt is refused: the password would travel in clear.</summary>
    public string BrokerUrl { get; private set; } = "";

    public string DeviceId { get; private set; } = "";

    public string DeviceSecret { get; private set; } = "";

    /// <summary>SHA-256 of the broker's CA certificate, 64 lowercase hex digits.</summary>
    public string CaSha256 { get; private set; } = "";

    public int Profile { get; private set; } = SensorNode.Core.Profile.None;

    public int Get(int setting) => _values[setting];

    public void Reset()
    {
        WifiSsid = "";
        WifiPassword = "";
        BrokerUrl = "";
        DeviceId = "";
        DeviceSecret = "";
        CaSha256 = "";
        Profile = SensorNode.Core.Profile.None;
        for (var i = 0; i < Setting.Count; i++)
        {
            _values[i] = Setting.Default(i);
        }
    }

    public void CopyFrom(DeviceConfig other)
    {
        WifiSsid = other.WifiSsid;
        WifiPassword = other.WifiPassword;
        BrokerUrl = other.BrokerUrl;
        DeviceId = other.DeviceId;
        DeviceSecret = other.DeviceSecret;
        CaSha256 = other.CaSha256;
        Profile = other.Profile;
        System.Array.Copy(other._values, _values, Setting.Count);
    }

    /// <summary>True for the keys that only provisioning over the serial line may change.</summary>
    public static bool IsCredentialKey(string key) =>
        key == KeyWifiSsid || key == KeyWifiPassword || key == KeyBrokerUrl || key == KeyDeviceId
        || key == KeyDeviceSecret || key == KeyCaSha256 || key == KeyProfile;

    /// <summary>Validates and sets one field; returns an <see cref="ErrorCode"/>.</summary>
    public int Set(string key, string value)
    {
        if (key == KeyWifiSsid)
        {
            var n = Utf8Length(value);
            // Control characters and lone surrogates would not survive the line-per-key flash format (a '\r' or
            // '\n' splits the line, a lone surrogate comes back as U+FFFD): the node would lose its config at reboot.
            if (n < 1 || n > 32 || !IsStorableText(value))
            {
                return ErrorCode.InvalidValue;
            }

            WifiSsid = value;
            return ErrorCode.None;
        }

        if (key == KeyWifiPassword)
        {
            // WPA2-PSK passphrases are 8..63 printable ASCII characters (IEEE 802.11i, 32..126; spaces allowed
            // inside); empty means an open network.
            if (value.Length != 0 && (value.Length < 8 || value.Length > 63 || !IsPassphrase(value)))
            {
                return ErrorCode.InvalidValue;
            }

            WifiPassword = value;
            return ErrorCode.None;
        }

        if (key == KeyBrokerUrl)
        {
            if (!IsValidBrokerUrl(value))
            {
                return ErrorCode.InvalidValue;
            }

            BrokerUrl = value;
            return ErrorCode.None;
        }

        if (key == KeyDeviceId)
        {
            if (!IsValidDeviceId(value))
            {
                return ErrorCode.InvalidValue;
            }

            DeviceId = value;
            return ErrorCode.None;
        }

        if (key == KeyDeviceSecret)
        {
            if (value.Length < 16 || value.Length > 128 || !IsPrintableAscii(value))
            {
                return ErrorCode.InvalidValue;
            }

            DeviceSecret = value;
            return ErrorCode.None;
        }

        if (key == KeyCaSha256)
        {
            var normalized = NormalizeFingerprint(value);
            if (normalized == null)
            {
                return ErrorCode.InvalidValue;
            }

            CaSha256 = normalized;
            return ErrorCode.None;
        }

        if (key == KeyProfile)
        {
            var p = SensorNode.Core.Profile.FindByName(value);
            if (p == SensorNode.Core.Profile.None)
            {
                return ErrorCode.InvalidValue;
            }

            Profile = p;
            return ErrorCode.None;
        }

        var setting = Setting.FindByName(key);
        if (setting < 0)
        {
            return ErrorCode.UnknownKey;
        }

        long number;
        if (!TryParseInteger(value, out number))
        {
            return ErrorCode.InvalidValue;
        }

        return SetNumber(setting, number);
    }

    public int SetNumber(int setting, long value)
    {
        if (value < Setting.Min(setting) || value > Setting.Max(setting))
        {
            return ErrorCode.InvalidValue;
        }

        _values[setting] = (int)value;
        return ErrorCode.None;
    }

    /// <summary>Rules across fields, checked before a staged config is committed.</summary>
    public int CheckConsistency() => BrokenRule() < 0 ? ErrorCode.None : ErrorCode.Inconsistent;

    /// <summary>
    /// Cross-field rules as pairs of settings (lower, higher): the first must stay below the second. Hysteresis needs a
    /// gap: with off ≥ on the alarm would chatter around one value. The visit gesture continues the hold that cancels:
    /// it must end after the cancel, or every cancel of an accidental SOS would also record a visit. The hub checks
    /// its configuration with these same rules before it sends one.
    /// </summary>
    public static readonly int[] OrderedPairs =
    {
        Setting.GasAlarmOffPpm, Setting.GasAlarmOnPpm,
        Setting.CoAlarmOffPpm, Setting.CoAlarmOnPpm,
        Setting.CancelHoldMs, Setting.VisitHoldMs,
    };

    /// <summary>The index of the first pair of <see cref="OrderedPairs"/> this config breaks (0, 1, …), or -1.</summary>
    public int BrokenRule()
    {
        for (var i = 0; i + 1 < OrderedPairs.Length; i += 2)
        {
            if (_values[OrderedPairs[i]] >= _values[OrderedPairs[i + 1]])
            {
                return i / 2;
            }
        }

        return -1;
    }

    /// <summary>The first required key that is not set, or null when the config can run a device.</summary>
    public string? MissingRequired()
    {
        if (WifiSsid.Length == 0)
        {
            return KeyWifiSsid;
        }

        if (BrokerUrl.Length == 0)
        {
            return KeyBrokerUrl;
        }

        if (DeviceId.Length == 0)
        {
            return KeyDeviceId;
        }

        if (DeviceSecret.Length == 0)
        {
            return KeyDeviceSecret;
        }

        if (CaSha256.Length == 0)
        {
            return KeyCaSha256;
        }

        if (Profile == SensorNode.Core.Profile.None)
        {
            return KeyProfile;
        }

        return null;
    }

    public bool IsComplete => MissingRequired() == null;

    /// <summary>Writes "key value\n" lines (UTF-8); returns the length, or -1 if the buffer is too small.</summary>
    public int Serialize(byte[] buffer)
    {
        var o = 0;
        o = Line(buffer, o, KeyWifiSsid, WifiSsid);
        o = Line(buffer, o, KeyWifiPassword, WifiPassword);
        o = Line(buffer, o, KeyBrokerUrl, BrokerUrl);
        o = Line(buffer, o, KeyDeviceId, DeviceId);
        o = Line(buffer, o, KeyDeviceSecret, DeviceSecret);
        o = Line(buffer, o, KeyCaSha256, CaSha256);
        o = Line(buffer, o, KeyProfile, SensorNode.Core.Profile.Name(Profile));
        for (var i = 0; i < Setting.Count; i++)
        {
            o = Line(buffer, o, Setting.Name(i), _values[i].ToString());
        }

        return o;
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote into this (reset) config; false if any line is bad.</summary>
    public bool Deserialize(byte[] buffer, int length)
    {
        Reset();
        var start = 0;
        var sawVisitHold = false;
        for (var i = 0; i <= length; i++)
        {
            if (i < length && buffer[i] != (byte)'\n')
            {
                continue;
            }

            if (i > start)
            {
                var line = Utf8.Decode(buffer, start, i - start);
                if (line == null)
                {
                    return false;
                }

                var space = line.IndexOf(' ');
                if (space <= 0)
                {
                    return false;
                }

                var key = line.Substring(0, space);
                var value = line.Substring(space + 1);
                // Empty values are the "not set" state of optional and not-yet-provisioned fields.
                if (value.Length > 0 && Set(key, value) != ErrorCode.None)
                {
                    return false;
                }

                sawVisitHold = sawVisitHold || key == Setting.Name(Setting.VisitHoldMs);
            }

            start = i + 1;
        }

        // A config written before visit_hold_ms existed, with a cancel hold of 5 s or more, must not become
        // inconsistent (and be discarded: the node would forget its credentials) by a firmware update.
        if (!sawVisitHold && _values[Setting.VisitHoldMs] <= _values[Setting.CancelHoldMs])
        {
            var gap = Setting.Default(Setting.VisitHoldMs) - Setting.Default(Setting.CancelHoldMs);
            var visit = _values[Setting.CancelHoldMs] + gap;
            _values[Setting.VisitHoldMs] = visit > Setting.Max(Setting.VisitHoldMs) ? Setting.Max(Setting.VisitHoldMs) : visit;
        }

        return CheckConsistency() == ErrorCode.None;
    }

    public static bool IsValidDeviceId(string id)
    {
        // ^[a-z0-9][a-z0-9-]{2,31}$
        if (id.Length < 3 || id.Length > 32)
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            var ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValidBrokerUrl(string url)
    {
        const string scheme = "mqtts://";
        if (url.Length <= scheme.Length || url.Length > 200 || url.IndexOf(scheme) != 0)
        {
            return false;
        }

        var rest = url.Substring(scheme.Length);
        var colon = rest.IndexOf(':');
        var host = colon < 0 ? rest : rest.Substring(0, colon);
        if (host.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < host.Length; i++)
        {
            var c = host[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            {
                return false;
            }
        }

        if (colon < 0)
        {
            return true;
        }

        long port;
        return TryParseInteger(rest.Substring(colon + 1), out port) && port >= 1 && port <= 65535;
    }

    /// <summary>Accepts 64 hex digits, optionally colon-separated pairs; returns lowercase without colons.</summary>
    public static string? NormalizeFingerprint(string value)
    {
        var chars = new char[64];
        var n = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == ':')
            {
                continue;
            }

            if (c >= 'A' && c <= 'F')
            {
                c = (char)(c + 32);
            }

            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n == 64)
            {
                return null;
            }

            chars[n++] = c;
        }

        return n == 64 ? new string(chars) : null;
    }

    /// <summary>Optional '-', then 1..10 digits; nothing else (no spaces, no '+', no exponent).</summary>
    public static bool TryParseInteger(string s, out long value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (s.Length > 0 && s[0] == '-')
        {
            negative = true;
            i = 1;
        }

        if (i == s.Length || s.Length - i > 10)
        {
            return false;
        }

        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c < '0' || c > '9')
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        if (negative)
        {
            value = -value;
        }

        return true;
    }

    private static bool IsPrintableAscii(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] <= ' ' || s[i] > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPassphrase(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] < ' ' || s[i] > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsStorableText(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c < ' ' || c == (char)0x7F)
            {
                return false;
            }

            if (c >= 0xD800 && c <= 0xDBFF)
            {
                if (i + 1 >= s.Length || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
                {
                    return false;
                }

                i++;
            }
            else if (c >= 0xDC00 && c <= 0xDFFF)
            {
                return false;
            }
        }

        return true;
    }

    private static int Utf8Length(string s)
    {
        var scratch = new byte[s.Length * 3];
        return Utf8.Encode(s, scratch, 0);
    }

    private static int Line(byte[] buffer, int o, string key, string value)
    {
        if (o < 0)
        {
            return -1;
        }

        var n = Utf8.Encode(key, buffer, o);
        if (n < 0 || o + n + 1 > buffer.Length)
        {
            return -1;
        }

        o += n;
        buffer[o++] = (byte)' ';
        n = Utf8.Encode(value, buffer, o);
        if (n < 0 || o + n + 1 > buffer.Length)
        {
            return -1;
        }

        o += n;
        buffer[o++] = (byte)'\n';
        return o;
    }
}

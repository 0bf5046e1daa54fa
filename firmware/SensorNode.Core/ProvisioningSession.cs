namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// The serial provisioning protocol (firmware/README.md, "Provisioning protocol"): one command per line, one reply line per
/// command ("OK ..." or "ERR code name"). SET only stages; COMMIT validates the whole staged config and
/// swaps it in atomically, so a bad or interrupted session never leaves a half-applied config.
/// </summary>
public sealed class ProvisioningSession
{
    public const int MaxLineLength = 512;
    public const string Version = "SC-PROV 1";

    private readonly NodeCore _node;
    private readonly DeviceConfig _staged = new DeviceConfig();
    private bool _dirty;

    public ProvisioningSession(NodeCore node)
    {
        _node = node;
        _staged.CopyFrom(node.Config);
    }

    /// <summary>True when SET lines were accepted but not yet committed.</summary>
    public bool HasStagedChanges => _dirty;

    /// <summary>Handles one line (without its line ending) and returns the reply line.</summary>
    public string Handle(string line, long nowMs)
    {
        if (line.Length > MaxLineLength)
        {
            return Error(ErrorCode.LineTooLong);
        }

        if (line.Length > 0 && line[line.Length - 1] == '\r')
        {
            line = line.Substring(0, line.Length - 1);
        }

        var space = line.IndexOf(' ');
        var command = space < 0 ? line : line.Substring(0, space);
        var rest = space < 0 ? "" : line.Substring(space + 1);

        switch (command)
        {
            case "HELLO":
                return "OK " + Version;
            case "SET":
                return Set(rest);
            case "GET":
                return Get(rest);
            case "STATUS":
                return Status();
            case "COMMIT":
                return Commit(nowMs);
            case "ABORT":
                _staged.CopyFrom(_node.Config);
                _dirty = false;
                return "OK aborted";
            case "FACTORY-RESET":
                if (rest != "CONFIRM")
                {
                    return Error(ErrorCode.NotConfirmed);
                }

                _node.FactoryReset(nowMs);
                _staged.CopyFrom(_node.Config);
                _dirty = false;
                return "OK factory-reset";
            default:
                return Error(ErrorCode.UnknownCommand);
        }
    }

    private string Set(string rest)
    {
        var space = rest.IndexOf(' ');
        if (space <= 0)
        {
            return Error(ErrorCode.Syntax);
        }

        var key = rest.Substring(0, space);
        var value = rest.Substring(space + 1);
        var error = _staged.Set(key, value);
        if (error != ErrorCode.None)
        {
            return Error(error);
        }

        _dirty = true;
        return "OK " + key;
    }

    // Secrets are never read back: the reply says only whether they are set.
    private string Get(string key)
    {
        if (key == DeviceConfig.KeyWifiPassword || key == DeviceConfig.KeyDeviceSecret)
        {
            var set = (key == DeviceConfig.KeyWifiPassword ? _staged.WifiPassword : _staged.DeviceSecret).Length > 0;
            return "OK " + key + " " + (set ? "<set>" : "<unset>");
        }

        string value;
        if (key == DeviceConfig.KeyWifiSsid)
        {
            value = _staged.WifiSsid;
        }
        else if (key == DeviceConfig.KeyBrokerUrl)
        {
            value = _staged.BrokerUrl;
        }
        else if (key == DeviceConfig.KeyDeviceId)
        {
            value = _staged.DeviceId;
        }
        else if (key == DeviceConfig.KeyCaSha256)
        {
            value = _staged.CaSha256;
        }
        else if (key == DeviceConfig.KeyProfile)
        {
            value = Profile.Name(_staged.Profile);
        }
        else
        {
            var setting = Setting.FindByName(key);
            if (setting < 0)
            {
                return Error(ErrorCode.UnknownKey);
            }

            value = _staged.Get(setting).ToString();
        }

        return "OK " + key + " " + value;
    }

    private string Status()
    {
        var c = _node.Config;
        var missing = _staged.MissingRequired();
        return "OK provisioned=" + (_node.Provisioned ? "yes" : "no")
            + " device_id=" + (c.DeviceId.Length > 0 ? c.DeviceId : "-")
            + " profile=" + (c.Profile >= 0 ? Profile.Name(c.Profile) : "-")
            + " fw=" + NodeCore.FirmwareVersion
            + " staged=" + (_dirty ? "yes" : "no")
            + " missing=" + (missing ?? "-")
            + " time=" + (_node.Clock.IsSynced ? "synced" : "unsynced")
            + " queue=" + _node.Queue.Count.ToString()
            + " dropped=" + (_node.Queue.DroppedRoutine + _node.Queue.DroppedEvents).ToString()
            + " seq=" + _node.NextSeq.ToString();
    }

    private string Commit(long nowMs)
    {
        if (!_dirty)
        {
            return Error(ErrorCode.NothingStaged);
        }

        var missing = _staged.MissingRequired();
        if (missing != null)
        {
            return Error(ErrorCode.Incomplete) + " " + missing;
        }

        var error = _node.Commit(_staged, nowMs);
        if (error != ErrorCode.None)
        {
            return Error(error);
        }

        _dirty = false;
        return "OK committed";
    }

    private static string Error(int code) => "ERR " + code.ToString() + " " + ErrorCode.Text(code);
}

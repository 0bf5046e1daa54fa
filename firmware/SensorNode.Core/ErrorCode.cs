namespace SmartCommunity.SensorNode.Core;

/// <summary>Error codes of the provisioning protocol and config updates (firmware/README.md, "Provisioning protocol").</summary>
public static class ErrorCode
{
    public const int None = 0;
    public const int UnknownCommand = 1;
    public const int UnknownKey = 2;
    public const int InvalidValue = 3;
    public const int LineTooLong = 4;
    public const int Incomplete = 5;
    public const int Inconsistent = 6;
    public const int Storage = 7;
    public const int NotConfirmed = 8;
    public const int Syntax = 9;
    public const int Forbidden = 10;
    public const int NothingStaged = 11;

    public static string Text(int code)
    {
        switch (code)
        {
            case None: return "ok";
            case UnknownCommand: return "unknown-command";
            case UnknownKey: return "unknown-key";
            case InvalidValue: return "invalid-value";
            case LineTooLong: return "line-too-long";
            case Incomplete: return "incomplete";
            case Inconsistent: return "inconsistent";
            case Storage: return "storage";
            case NotConfirmed: return "not-confirmed";
            case Syntax: return "syntax";
            case Forbidden: return "forbidden";
            case NothingStaged: return "nothing-staged";
            default: return "error";
        }
    }
}

namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// A tiny strict JSON reader for downlink commands: one object whose members are scanned into
/// preallocated index arrays. Nested objects and arrays are validated and skipped. Rejects anything
/// that is not JSON (NaN, trailing garbage, unterminated strings), and duplicate keys, so a command is
/// either understood whole or refused. No System.Text.Json on the device.
/// </summary>
public sealed class JsonScanner
{
    public const int TypeString = 1;
    public const int TypeNumber = 2;
    public const int TypeTrue = 3;
    public const int TypeFalse = 4;
    public const int TypeNull = 5;
    public const int TypeObject = 6;
    public const int TypeArray = 7;

    private const int MaxMembers = 32;
    private const int MaxDepth = 8;

    private readonly int[] _keyStart = new int[MaxMembers];
    private readonly int[] _keyLength = new int[MaxMembers];
    private readonly int[] _valueType = new int[MaxMembers];
    private readonly int[] _valueStart = new int[MaxMembers];
    private readonly int[] _valueLength = new int[MaxMembers];
    private byte[] _json = new byte[0];
    private int _end;
    private int _pos;

    public int MemberCount { get; private set; }

    public bool Parse(byte[] json, int length)
    {
        _json = json;
        _end = length;
        _pos = 0;
        MemberCount = 0;
        SkipWhitespace();
        if (!Expect((byte)'{'))
        {
            return false;
        }

        SkipWhitespace();
        if (Peek() == '}')
        {
            _pos++;
            return AtEnd();
        }

        while (true)
        {
            SkipWhitespace();
            var keyStart = _pos + 1;
            if (Peek() != '"' || !SkipString())
            {
                return false;
            }

            var keyLength = _pos - 1 - keyStart;
            SkipWhitespace();
            if (!Expect((byte)':'))
            {
                return false;
            }

            SkipWhitespace();
            var valueStart = _pos;
            var type = SkipValue(0);
            if (type == 0 || MemberCount == MaxMembers)
            {
                return false;
            }

            for (var i = 0; i < MemberCount; i++)
            {
                if (_keyLength[i] == keyLength && SameBytes(_keyStart[i], keyStart, keyLength))
                {
                    return false;
                }
            }

            _keyStart[MemberCount] = keyStart;
            _keyLength[MemberCount] = keyLength;
            _valueType[MemberCount] = type;
            _valueStart[MemberCount] = valueStart;
            _valueLength[MemberCount] = _pos - valueStart;
            MemberCount++;
            SkipWhitespace();
            if (Peek() == ',')
            {
                _pos++;
                continue;
            }

            if (!Expect((byte)'}'))
            {
                return false;
            }

            return AtEnd();
        }
    }

    /// <summary>Member index of <paramref name="key"/> (an ASCII key without escapes), or -1.</summary>
    public int Find(string key)
    {
        for (var i = 0; i < MemberCount; i++)
        {
            if (KeyEquals(i, key))
            {
                return i;
            }
        }

        return -1;
    }

    public bool KeyEquals(int member, string key)
    {
        if (_keyLength[member] != key.Length)
        {
            return false;
        }

        var s = _keyStart[member];
        for (var i = 0; i < key.Length; i++)
        {
            if (_json[s + i] != key[i])
            {
                return false;
            }
        }

        return true;
    }

    public int TypeOf(int member) => _valueType[member];

    /// <summary>The raw key (escapes are not decoded: keys the device knows have none).</summary>
    public string? KeyAt(int member) => Utf8.Decode(_json, _keyStart[member], _keyLength[member]);

    /// <summary>An integer value (no fraction, no exponent, fits in a long); false otherwise.</summary>
    public bool TryGetInteger(int member, out long value)
    {
        value = 0;
        if (member < 0 || _valueType[member] != TypeNumber)
        {
            return false;
        }

        var s = _valueStart[member];
        var e = s + _valueLength[member];
        var negative = _json[s] == '-';
        if (negative)
        {
            s++;
        }

        if (e - s > 18)
        {
            return false;
        }

        for (var i = s; i < e; i++)
        {
            var c = _json[i];
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

    /// <summary>Whether a string member equals <paramref name="expected"/> (ASCII), without allocating.</summary>
    public bool StringEquals(int member, string expected)
    {
        if (member < 0 || _valueType[member] != TypeString || _valueLength[member] != expected.Length + 2)
        {
            return false;
        }

        var s = _valueStart[member] + 1;
        for (var i = 0; i < expected.Length; i++)
        {
            if (_json[s + i] != expected[i] || _json[s + i] == '\\')
            {
                return false;
            }
        }

        return true;
    }

    private bool SameBytes(int a, int b, int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (_json[a + i] != _json[b + i])
            {
                return false;
            }
        }

        return true;
    }

    private int SkipValue(int depth)
    {
        if (depth > MaxDepth)
        {
            return 0;
        }

        var c = Peek();
        if (c == '"')
        {
            return SkipString() ? TypeString : 0;
        }

        if (c == '{' || c == '[')
        {
            var close = c == '{' ? '}' : ']';
            _pos++;
            SkipWhitespace();
            if (Peek() == close)
            {
                _pos++;
                return c == '{' ? TypeObject : TypeArray;
            }

            while (true)
            {
                SkipWhitespace();
                if (c == '{')
                {
                    if (Peek() != '"' || !SkipString())
                    {
                        return 0;
                    }

                    SkipWhitespace();
                    if (!Expect((byte)':'))
                    {
                        return 0;
                    }

                    SkipWhitespace();
                }

                if (SkipValue(depth + 1) == 0)
                {
                    return 0;
                }

                SkipWhitespace();
                if (Peek() == ',')
                {
                    _pos++;
                    continue;
                }

                if (Peek() != close)
                {
                    return 0;
                }

                _pos++;
                return c == '{' ? TypeObject : TypeArray;
            }
        }

        if (Literal("true"))
        {
            return TypeTrue;
        }

        if (Literal("false"))
        {
            return TypeFalse;
        }

        if (Literal("null"))
        {
            return TypeNull;
        }

        return SkipNumber() ? TypeNumber : 0;
    }

    private bool SkipString()
    {
        _pos++; // opening quote
        while (_pos < _end)
        {
            var c = _json[_pos++];
            if (c == '"')
            {
                return true;
            }

            if (c < 0x20)
            {
                return false;
            }

            if (c == '\\')
            {
                if (_pos >= _end)
                {
                    return false;
                }

                var e = _json[_pos++];
                if (e == 'u')
                {
                    for (var i = 0; i < 4; i++)
                    {
                        if (_pos >= _end || !IsHex(_json[_pos++]))
                        {
                            return false;
                        }
                    }
                }
                else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
                {
                    return false;
                }
            }
        }

        return false;
    }

    // JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private bool SkipNumber()
    {
        if (Peek() == '-')
        {
            _pos++;
        }

        if (Peek() == '0')
        {
            _pos++;
        }
        else if (!SkipDigits())
        {
            return false;
        }

        if (Peek() == '.')
        {
            _pos++;
            if (!SkipDigits())
            {
                return false;
            }
        }

        if (Peek() == 'e' || Peek() == 'E')
        {
            _pos++;
            if (Peek() == '+' || Peek() == '-')
            {
                _pos++;
            }

            if (!SkipDigits())
            {
                return false;
            }
        }

        return true;
    }

    private bool SkipDigits()
    {
        var start = _pos;
        while (_pos < _end && _json[_pos] >= '0' && _json[_pos] <= '9')
        {
            _pos++;
        }

        return _pos > start;
    }

    private bool Literal(string word)
    {
        if (_pos + word.Length > _end)
        {
            return false;
        }

        for (var i = 0; i < word.Length; i++)
        {
            if (_json[_pos + i] != word[i])
            {
                return false;
            }
        }

        _pos += word.Length;
        return true;
    }

    private static bool IsHex(byte c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

    private int Peek() => _pos < _end ? _json[_pos] : -1;

    private bool Expect(byte c)
    {
        if (Peek() != c)
        {
            return false;
        }

        _pos++;
        return true;
    }

    private void SkipWhitespace()
    {
        while (_pos < _end && (_json[_pos] == ' ' || _json[_pos] == '\t' || _json[_pos] == '\n' || _json[_pos] == '\r'))
        {
            _pos++;
        }
    }

    private bool AtEnd()
    {
        SkipWhitespace();
        return _pos == _end;
    }
}

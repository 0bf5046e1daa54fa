using System;
using System.Text;

namespace SmartCommunity.Domain.Contacts;

/// <summary>
/// Phone numbers as the hub stores and sends them: E.164 ("+8613812345678": a plus, a country code that does not start
/// with 0, at most 15 digits in all). People type spaces, dashes, dots and brackets ("+86 138-1234-5678"); those are
/// dropped, anything else is refused, because an SMS gateway or a dialler given a wrong number reaches nobody.
/// </summary>
public static class PhoneNumber
{
    /// <summary>The shortest number we accept: a country code and a 6-digit subscriber number (small countries).</summary>
    private const int MinDigits = 8;
    private const int MaxDigits = 15;

    /// <summary>The E.164 form of <paramref name="input"/>, or null with the reason in <paramref name="error"/>.</summary>
    public static string? Normalize(string? input, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "a phone number is required";
            return null;
        }
        var text = input.Trim();
        if (text.StartsWith("00", StringComparison.Ordinal))
        {
            error = "write the number with + and the country code (E.164, e.g. +8613812345678), not 00";
            return null;
        }
        if (text[0] != '+')
        {
            error = "a phone number starts with + and the country code (E.164, e.g. +8613812345678)";
            return null;
        }
        var digits = new StringBuilder(16).Append('+');
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '0' and <= '9')
                digits.Append(c);
            else if (c is not (' ' or '-' or '.' or '(' or ')'))
            {
                error = $"a phone number has only digits after the + (spaces, dashes and brackets are ignored); '{c}' at position {i + 1} is not one";
                return null;
            }
        }
        var count = digits.Length - 1;
        if (count == 0 || digits[1] == '0')
        {
            error = "the country code after + does not start with 0";
            return null;
        }
        if (count is < MinDigits or > MaxDigits)
        {
            error = $"a phone number has {MinDigits}–{MaxDigits} digits with the country code (E.164); this one has {count}";
            return null;
        }
        return digits.ToString();
    }

    public static bool IsValid(string? input) => Normalize(input, out _) is not null;

    /// <summary>
    /// "+86 138****5678": the country code, the first three and last four digits of the rest; enough to recognise a
    /// number, not to call it. Shown to people who see a contact but are not the ones to call it.
    /// </summary>
    public static string Mask(string e164)
    {
        ArgumentException.ThrowIfNullOrEmpty(e164);
        var digits = e164.TrimStart('+');
        var cc = CountryCodeLength(digits);
        var national = digits[cc..];
        if (national.Length <= 4)
            return $"+{digits[..cc]} {new string('*', national.Length)}";
        var head = national.Length >= 9 ? 3 : national.Length >= 7 ? 2 : 0;
        var tail = 4;
        if (head + tail >= national.Length)
            head = Math.Max(0, national.Length - tail - 2);
        return $"+{digits[..cc]} {national[..head]}{new string('*', national.Length - head - tail)}{national[^tail..]}";
    }

    /// <summary>ITU country codes are prefix-free: 1 and 7 are one digit, a known set two, the rest three.</summary>
    private static int CountryCodeLength(string digits)
    {
        if (digits[0] is '1' or '7')
            return 1;
        var two = int.Parse(digits.AsSpan(0, 2), provider: System.Globalization.CultureInfo.InvariantCulture);
        return two switch
        {
            20 or 27 or (>= 30 and <= 34) or 36 or 39 or 40 or 41 or (>= 43 and <= 49) or (>= 51 and <= 58) or (>= 60 and <= 66)
                or 81 or 82 or 84 or 86 or (>= 90 and <= 95) or 98 => 2,
            _ => 3,
        };
    }
}

/// <summary>How a person is reached, besides the board: push to their browsers and phones, SMS, a voice call.</summary>
[Flags]
public enum ContactChannels
{
    None = 0,
    Push = 1,
    Sms = 2,
    Voice = 4,
}

using System;
using System.Globalization;
using System.Text;

namespace SmartCommunity.Domain.Places;

/// <summary>
/// A text field that one person types and others read: names, display names, addresses, notes. One rule for all of
/// them, applied wherever such text enters the hub: NFC-normalised and trimmed; a length limit per field; no control
/// characters (a multi-line field keeps line breaks, as \n); no bidirectional override or isolate characters, which
/// make a name display as something else ("Resident" + U+202E + "gnp.exe"). Everything is checked after
/// normalisation, so what is stored is exactly what was checked.
/// </summary>
/// <param name="Name">The field's name in the API, used in the error.</param>
public sealed record TextField(string Name, int MaxLength, bool Required = true, bool MultiLine = false)
{
    public static readonly TextField CommunityName = new("name", 200);
    public static readonly TextField GridName = new("name", 100);
    public static readonly TextField Address = new("address", 300);
    public static readonly TextField ResidentName = new("name", 100);
    public static readonly TextField DisplayName = new("displayName", 100, Required: false);
    public static readonly TextField DeviceLabel = new("label", 200, Required: false);

    /// <summary>Free text on an alert or a visit (a note, a comment); <paramref name="name"/> is its API field.</summary>
    public static TextField Note(string name, bool required = false) => new(name, 2000, required, MultiLine: true);

    /// <summary>The text to store (null for an optional field left empty), or why it is refused.</summary>
    public TextCheck Check(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return Empty();
        // Before normalising: Normalize throws on a lone surrogate.
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(value[i]))
                return Fail($"{Name} is not valid Unicode text (a lone surrogate at position {i + 1})");
        }
        var text = value.Normalize(NormalizationForm.FormC);
        if (MultiLine)
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        text = text.Trim();
        if (text.Length == 0)
            return Empty();
        if (text.Length > MaxLength)
            return Fail($"{Name} is at most {MaxLength} characters");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n' && MultiLine)
                continue;
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
                return Fail(MultiLine
                    ? $"{Name} must not contain control characters other than line breaks ({Describe(c)} at position {i + 1})"
                    : $"{Name} must not contain control characters or line breaks ({Describe(c)} at position {i + 1})");
            if (IsBidiControl(c))
                return Fail($"{Name} must not contain bidirectional override or isolate characters ({Describe(c)} at position {i + 1})");
        }
        return new TextCheck(text, null);
    }

    /// <summary>LRE, RLE, PDF, LRO, RLO (U+202A–U+202E) and LRI, RLI, FSI, PDI (U+2066–U+2069). The marks LRM/RLM stay allowed: names in mixed scripts need them.</summary>
    public static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    private TextCheck Empty() => Required ? Fail($"{Name} is required") : new TextCheck(null, null);

    private static TextCheck Fail(string error) => new(null, error);

    private static string Describe(char c) => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
}

/// <summary>The checked text (<see cref="Value"/>) or the reason it was refused (<see cref="Error"/>).</summary>
public readonly record struct TextCheck(string? Value, string? Error)
{
    public bool IsValid => Error is null;
}

using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SmartCommunity.Domain.Catalog;

/// <summary>
/// Enum members and their wire names (API, SignalR, MQTT, dashboard): the member name in snake_case
/// (<c>WaterLeak</c> → <c>water_leak</c>, <c>Sos</c> → <c>sos</c>). One rule for every enum that crosses a seam,
/// instead of a hand-written switch per enum that can drift from its enum.
/// </summary>
public static class WireName
{
    public static string Of<T>(T value) where T : struct, Enum =>
        Table<T>.Names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, null);

    /// <summary>Parses a wire name, ignoring case.</summary>
    public static bool TryParse<T>(string? wire, out T value) where T : struct, Enum
    {
        if (wire is not null && Table<T>.Values.TryGetValue(wire, out value))
            return true;
        value = default;
        return false;
    }

    /// <summary>Every member of <typeparamref name="T"/> with its wire name, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Table<T>.Ordered;

    public static string ToSnakeCase(string pascal)
    {
        var s = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                    s.Append('_');
                s.Append(char.ToLowerInvariant(c));
            }
            else
            {
                s.Append(c);
            }
        }
        return s.ToString();
    }

    private static class Table<T> where T : struct, Enum
    {
        public static readonly string[] Ordered = [.. Enum.GetValues<T>().Select(v => ToSnakeCase(v.ToString()))];
        public static readonly FrozenDictionary<T, string> Names = Enum.GetValues<T>().ToFrozenDictionary(v => v, v => ToSnakeCase(v.ToString()));
        public static readonly FrozenDictionary<string, T> Values = Enum.GetValues<T>().ToFrozenDictionary(v => ToSnakeCase(v.ToString()), v => v, StringComparer.OrdinalIgnoreCase);
    }
}

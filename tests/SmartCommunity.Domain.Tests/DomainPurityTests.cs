using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Domain.Tests;

/// <summary>
/// The domain stays pure: no I/O, no network, no database, no wall clock. Read from the compiled assembly's metadata
/// (every type and member it references), so a call hidden behind a fully qualified name or a `global::` is found too.
/// </summary>
public sealed class DomainPurityTests
{
    private static readonly string[] ForbiddenNamespaces =
    [
        "System.IO", "System.Net", "System.Data", "System.Diagnostics.Process", "Microsoft.EntityFrameworkCore", "Microsoft.Data",
        "Microsoft.Extensions", "Microsoft.AspNetCore", "MQTTnet", "Quartz", "System.Threading.Tasks",
    ];

    private static readonly (string Type, string Member)[] WallClock =
    [
        ("System.DateTime", "get_Now"), ("System.DateTime", "get_UtcNow"), ("System.DateTime", "get_Today"),
        ("System.DateTimeOffset", "get_Now"), ("System.DateTimeOffset", "get_UtcNow"),
        ("System.Environment", "get_TickCount"), ("System.Environment", "get_TickCount64"),
        ("System.TimeProvider", "get_System"), ("System.Diagnostics.Stopwatch", "*"),
    ];

    [Fact]
    public void DomainAssembly_ReferencesNoIoNetworkDatabaseOrClock()
    {
        var (types, members, assemblies) = References(typeof(Alert).Assembly.Location);

        var io = types.Where(t => ForbiddenNamespaces.Any(ns => t == ns || t.StartsWith(ns + ".", StringComparison.Ordinal))).ToList();
        Assert.True(io.Count == 0, "Domain references " + string.Join(", ", io));

        var clock = members.Where(m => WallClock.Any(w => m.Type == w.Type && (w.Member == "*" || m.Member == w.Member))).ToList();
        Assert.True(clock.Count == 0, "Domain reads the wall clock: " + string.Join(", ", clock.Select(m => $"{m.Type}.{m.Member}")));

        // Only the runtime's own assemblies: no package slipped in.
        Assert.All(assemblies, a => Assert.True(a is "System.Runtime" or "netstandard" || a.StartsWith("System.", StringComparison.Ordinal), $"Domain references the assembly {a}"));
    }

    [Fact]
    public void PurityCheck_OnAnAssemblyThatUsesFilesAndTheClock_FindsBoth()
    {
        // The check itself must be able to fail: the test project reads files and the clock (Directory, DateTime.UtcNow below).
        _ = DateTime.UtcNow;
        var (types, members, _) = References(typeof(DomainPurityTests).Assembly.Location);
        Assert.Contains(types, t => t.StartsWith("System.IO", StringComparison.Ordinal));
        Assert.Contains(members, m => m is ("System.DateTime", "get_UtcNow"));
        _ = Directory.Exists(".");
    }

    private static (HashSet<string> Types, HashSet<(string Type, string Member)> Members, HashSet<string> Assemblies) References(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in md.TypeReferences)
            types.Add(FullName(md, handle));
        var members = new HashSet<(string, string)>();
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            var parent = member.Parent.Kind switch
            {
                HandleKind.TypeReference => FullName(md, (TypeReferenceHandle)member.Parent),
                HandleKind.TypeSpecification => "(generic)",
                _ => "(local)",
            };
            members.Add((parent, md.GetString(member.Name)));
        }
        var assemblies = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToHashSet(StringComparer.Ordinal);
        return (types, members, assemblies);
    }

    private static string FullName(MetadataReader md, TypeReferenceHandle handle)
    {
        var type = md.GetTypeReference(handle);
        var ns = md.GetString(type.Namespace);
        // Nested types carry their namespace on the outermost type.
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
            return FullName(md, (TypeReferenceHandle)type.ResolutionScope) + "+" + md.GetString(type.Name);
        return ns.Length == 0 ? md.GetString(type.Name) : ns + "." + md.GetString(type.Name);
    }
}

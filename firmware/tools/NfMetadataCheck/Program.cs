using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using SmartCommunity.Firmware.NfMetadataCheck;

// Usage: NfMetadataCheck <assembly.dll>
// Exit 0 = clean, 1 = violations found (each printed), 2 = usage or unreadable file.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: NfMetadataCheck <path to nanoFramework-built assembly>");
    return 2;
}

var path = args[0];
if (!File.Exists(path))
{
    Console.Error.WriteLine($"NfMetadataCheck: no such file: {path}");
    return 2;
}

using var stream = File.OpenRead(path);
using var pe = new PEReader(stream);
if (!pe.HasMetadata)
{
    Console.Error.WriteLine($"NfMetadataCheck: {path} has no .NET metadata");
    return 2;
}

var violations = MetadataRules.Check(pe.GetMetadataReader());
foreach (var v in violations)
{
    Console.Error.WriteLine($"NfMetadataCheck: {v}");
}

if (violations.Count > 0)
{
    Console.Error.WriteLine($"NfMetadataCheck: FAILED, {violations.Count} violation(s) in {Path.GetFileName(path)}: the stable nanoFramework runtime cannot load it.");
    return 1;
}

Console.WriteLine($"NfMetadataCheck: OK, {Path.GetFileName(path)} references only mscorlib and uses no generics.");
return 0;

using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace SmartCommunity.Firmware.NfMetadataCheck;

/// <summary>The metadata rules an assembly must satisfy to load on the stable nanoFramework runtime.</summary>
public static class MetadataRules
{
    public static List<string> Check(MetadataReader md)
    {
        var violations = new List<string>();

        foreach (var h in md.AssemblyReferences)
        {
            var name = md.GetString(md.GetAssemblyReference(h).Name);
            if (name != "mscorlib")
            {
                violations.Add($"references assembly '{name}' (only mscorlib is allowed)");
            }
        }

        foreach (var h in md.TypeDefinitions)
        {
            var t = md.GetTypeDefinition(h);
            if (t.GetGenericParameters().Count > 0)
            {
                violations.Add($"generic type definition {TypeName(md, t)}");
            }

            foreach (var mh in t.GetMethods())
            {
                var m = md.GetMethodDefinition(mh);
                if (m.GetGenericParameters().Count > 0)
                {
                    violations.Add($"generic method definition {TypeName(md, t)}.{md.GetString(m.Name)}");
                }
            }
        }

        // A TypeSpec is how metadata spells an instantiated generic type (List<int>, Action<T>, ...);
        // arrays are TypeSpecs too, but they are fine on nanoFramework, so only GENERICINST counts.
        foreach (var h in Enumerable.Range(1, md.GetTableRowCount(TableIndex.TypeSpec)))
        {
            var spec = md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(h));
            var blob = md.GetBlobReader(spec.Signature);
            if (ContainsGenericInstantiation(ref blob))
            {
                violations.Add($"generic instantiation in TypeSpec 0x{MetadataTokens.GetToken(MetadataTokens.TypeSpecificationHandle(h)):X8}");
            }
        }

        var methodSpecs = md.GetTableRowCount(TableIndex.MethodSpec);
        if (methodSpecs > 0)
        {
            violations.Add($"{methodSpecs} generic method instantiation(s) (MethodSpec table)");
        }

        // Member references whose signatures mention a generic instantiation or a generic parameter
        // (e.g. a call on List<int> through a TypeRef parent is already caught above; this catches
        // fields/methods whose signatures carry one).
        foreach (var h in md.MemberReferences)
        {
            var mr = md.GetMemberReference(h);
            var blob = md.GetBlobReader(mr.Signature);
            if (SignatureMentionsGenerics(blob))
            {
                violations.Add($"member reference {md.GetString(mr.Name)} has a generic signature");
            }
        }

        return violations;
    }

    private static string TypeName(MetadataReader md, TypeDefinition t)
    {
        var ns = md.GetString(t.Namespace);
        var name = md.GetString(t.Name);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static bool ContainsGenericInstantiation(ref BlobReader blob)
    {
        while (blob.RemainingBytes > 0)
        {
            var b = blob.ReadByte();
            if (b is (byte)SignatureTypeCode.GenericTypeInstance
                or (byte)SignatureTypeCode.GenericTypeParameter
                or (byte)SignatureTypeCode.GenericMethodParameter)
            {
                return true;
            }
        }

        return false;
    }

    // Scanning raw signature bytes for 0x15/0x13/0x1E would misfire on compressed token values, so
    // member signatures are decoded properly with a provider that records generic constructs.
    private static bool SignatureMentionsGenerics(BlobReader blob)
    {
        var header = blob.ReadSignatureHeader();
        var provider = new GenericSpotter();
        var decoder = new SignatureDecoder<bool, object?>(provider, metadataReader: null!, genericContext: null);
        blob.Reset();
        if (header.Kind == SignatureKind.Field)
        {
            return decoder.DecodeFieldSignature(ref blob);
        }

        if (header.Kind == SignatureKind.Method)
        {
            var sig = decoder.DecodeMethodSignature(ref blob);
            return header.IsGeneric || sig.ReturnType || sig.ParameterTypes.Any(p => p);
        }

        return false;
    }

    private sealed class GenericSpotter : ISignatureTypeProvider<bool, object?>
    {
        public bool GetArrayType(bool elementType, ArrayShape shape) => elementType;
        public bool GetByReferenceType(bool elementType) => elementType;
        public bool GetFunctionPointerType(MethodSignature<bool> signature) => signature.ReturnType || signature.ParameterTypes.Any(p => p);
        public bool GetGenericInstantiation(bool genericType, System.Collections.Immutable.ImmutableArray<bool> typeArguments) => true;
        public bool GetGenericMethodParameter(object? genericContext, int index) => true;
        public bool GetGenericTypeParameter(object? genericContext, int index) => true;
        public bool GetModifiedType(bool modifier, bool unmodifiedType, bool isRequired) => unmodifiedType;
        public bool GetPinnedType(bool elementType) => elementType;
        public bool GetPointerType(bool elementType) => elementType;
        public bool GetPrimitiveType(PrimitiveTypeCode typeCode) => false;
        public bool GetSZArrayType(bool elementType) => elementType;
        public bool GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => false;
        public bool GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => false;
        public bool GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => false;
    }
}

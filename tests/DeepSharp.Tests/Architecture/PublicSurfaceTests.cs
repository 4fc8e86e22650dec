namespace DeepSharp.Tests.Architecture;

/// <summary>What a user of the library sees: layers, models and tensors, never a kernel.</summary>
public class PublicSurfaceTests
{
    [Fact]
    public void KernelsAreInternal()
    {
        var visible = typeof(DeepSharpException).Assembly.GetExportedTypes()
            .Where(t => t.Namespace?.StartsWith("DeepSharp.Kernels", StringComparison.Ordinal) == true)
            .Select(t => t.FullName).ToList();
        Assert.True(visible.Count == 0, "Kernel types are public (make them internal; an enum a user passes belongs in DeepSharp.Nn): " + string.Join(", ", visible));
    }

    [Fact]
    public void NoPublicMemberTakesOrReturnsAKernelType()
    {
        static bool IsKernel(Type t) => (t.IsArray ? t.GetElementType()! : t).Namespace?.StartsWith("DeepSharp.Kernels", StringComparison.Ordinal) == true;
        var leaks = new List<string>();
        foreach (var type in typeof(DeepSharpException).Assembly.GetExportedTypes())
            foreach (var member in type.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
            {
                var types = member switch
                {
                    System.Reflection.MethodBase m => m.GetParameters().Select(p => p.ParameterType).Append(m is System.Reflection.MethodInfo mi ? mi.ReturnType : typeof(void)),
                    System.Reflection.PropertyInfo p => [p.PropertyType],
                    System.Reflection.FieldInfo f => [f.FieldType],
                    _ => [],
                };
                if (types.Any(IsKernel)) leaks.Add($"{type.Name}.{member.Name}");
            }
        Assert.True(leaks.Count == 0, "Public members expose kernel types: " + string.Join(", ", leaks));
    }
}

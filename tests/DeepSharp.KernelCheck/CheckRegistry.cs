using System.Reflection;

namespace DeepSharp.KernelCheck;

/// <summary>One kernel-vs-twin check: throws <see cref="CheckFailedException"/> on a mismatch.</summary>
public sealed record KernelCheckCase(string Name, Action Run)
{
    public override string ToString() => Name;
}

/// <summary>
/// Finds the checks: every public static parameterless method of a public static class in this
/// assembly whose name ends in "Checks". One file per kernel family adds its own class.
/// </summary>
public static class CheckRegistry
{
    public static IEnumerable<KernelCheckCase> All()
    {
        var types = typeof(CheckRegistry).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Checks", StringComparison.Ordinal))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        foreach (var type in types)
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
                         .Where(m => m.GetParameters().Length == 0 && m.ReturnType == typeof(void))
                         .OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                var m = method;
                yield return new KernelCheckCase($"{type.Name}.{m.Name}", () =>
                {
                    try { m.Invoke(null, null); }
                    catch (TargetInvocationException e) when (e.InnerException is not null)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    }
                });
            }
    }
}

using DeepSharp.Nn;

namespace DeepSharp.Serialization;

/// <summary>
/// Moves weights between a model's parameters and a <see cref="SafetensorsFile"/>, one tensor per
/// parameter, named by <see cref="Parameter.Path"/> ("conv2d/kernel", "dense_1/bias").
/// Checkpoints reuse this for the weights and add their own tensors beside them.
/// </summary>
internal static class ModelWeights
{
    /// <summary>Adds a snapshot of every parameter to <paramref name="file"/>.</summary>
    public static void Add(SafetensorsFile file, IEnumerable<Parameter> parameters)
    {
        foreach (var p in parameters)
        {
            if (file.Contains(p.Path)) throw new DeepSharpException($"Two weights are named '{p.Path}'; weight names must be unique to be saved.");
            file.Add(p.Path, p.Value);
        }
    }

    /// <summary>The number of float32 elements the file holds: the most weights a model built from it may create.</summary>
    public static long FloatElements(SafetensorsFile file)
    {
        long total = 0;
        foreach (var entry in file.Entries)
            if (entry.DType == SafetensorsDType.F32) total += entry.Data.Length / 4;
        return total;
    }

    /// <summary>
    /// Copies the file's tensors into the parameters of the same names. The names and shapes must
    /// match exactly (tensors named in <paramref name="ignore"/> may be left over); otherwise
    /// nothing is copied and one <see cref="WeightMismatchException"/> lists every difference.
    /// </summary>
    public static void Load(IEnumerable<Parameter> parameters, SafetensorsFile file, string source, Func<string, bool>? ignore = null)
    {
        var problems = new List<string>();
        var matched = new List<(Parameter Parameter, SafetensorsEntry Entry)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            seen.Add(p.Path);
            if (!file.TryGet(p.Path, out var entry))
            {
                problems.Add($"{p.Path}: missing from the file (model {p.Shape})");
                continue;
            }
            if (entry.DType != SafetensorsDType.F32)
            {
                problems.Add($"{p.Path}: file has {entry.DType.Name()}, model needs F32");
                continue;
            }
            if (!SameShape(entry, p))
            {
                problems.Add($"{p.Path}: file {entry.ShapeText}, model {p.Shape}");
                continue;
            }
            matched.Add((p, entry));
        }
        foreach (var entry in file.Entries)
            if (!seen.Contains(entry.Name) && ignore?.Invoke(entry.Name) != true)
                problems.Add($"{entry.Name}: in the file {entry.ShapeText} but not in the model");
        if (problems.Count > 0) throw new WeightMismatchException(source, problems);

        foreach (var (p, entry) in matched) entry.ToTensor(source).Span.CopyTo(p.Value.Span);
    }

    private static bool SameShape(SafetensorsEntry entry, Parameter p)
    {
        if (entry.Shape.Count != p.Shape.Rank) return false;
        for (int i = 0; i < entry.Shape.Count; i++)
            if (entry.Shape[i] != p.Shape[i]) return false;
        return true;
    }
}

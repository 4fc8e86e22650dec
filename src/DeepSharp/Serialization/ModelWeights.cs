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
            if (p.Storage == WeightStorage.Float32) file.Add(p.Path, p.Value);
            else file.Add(IntegerWeights.ToEntry(p));
        }
        FileChecksum.Sign(file); // a model file signs again once its metadata is in (ModelFileFormat.Stamp)
    }

    /// <summary>The number of float32 elements the file holds: the most weights a model built from it may create.</summary>
    public static long FloatElements(SafetensorsFile file)
    {
        long total = 0;
        foreach (var entry in file.Unordered) total += IntegerWeights.Elements(entry);
        return total;
    }

    /// <summary>
    /// Copies the file's tensors into the parameters of the same names. The names and shapes must
    /// match exactly (tensors named in <paramref name="ignore"/> may be left over); otherwise
    /// nothing is copied and one <see cref="WeightMismatchException"/> lists every difference. A file that
    /// carries a checksum (every model and weights file DeepSharp writes) is verified first.
    /// </summary>
    public static void Load(IEnumerable<Parameter> parameters, SafetensorsFile file, string source, Func<string, bool>? ignore = null) =>
        Load(parameters, file, source, ignore, byName: false, skipMismatch: false);

    /// <summary>
    /// <see cref="Load(IEnumerable{Parameter}, SafetensorsFile, string, Func{string, bool}?)"/> with
    /// Keras's load_weights options: <paramref name="byName"/> loads the weights the file names and
    /// leaves the rest (model weights missing from the file keep their values, file tensors the model
    /// lacks are ignored); <paramref name="skipMismatch"/> skips weights whose shape or dtype differ
    /// instead of failing. Returns what was skipped, one line each ("path: reason").
    /// </summary>
    public static List<string> Load(IEnumerable<Parameter> parameters, SafetensorsFile file, string source, Func<string, bool>? ignore,
        bool byName, bool skipMismatch)
    {
        FileChecksum.VerifyIfPresent(file, "Safetensors file", source);
        var problems = new Problems();
        var skipped = new List<string>();
        var matched = new List<(Parameter Parameter, SafetensorsEntry Entry)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            seen.Add(p.Path);
            string? problem = null;
            bool mismatch = true;
            if (!file.TryGet(p.Path, out var entry))
                (problem, mismatch) = ($"{p.Path}: missing from the file (model {p.Shape})", false);
            else if (entry.DType != IntegerWeights.FileDType(p))
                problem = $"{p.Path}: file has {entry.DType.Name()}, model needs {IntegerWeights.FileDType(p).Name()}";
            else if (!SameShape(entry, p))
                problem = $"{p.Path}: file {SafetensorsHeader.ShapeText(entry.Shape)}, model {p.Shape}";
            else
                matched.Add((p, entry));
            if (problem is null) continue;
            if (mismatch ? skipMismatch : byName) skipped.Add(problem);
            else problems.Add(problem);
        }
        if (!byName)
            foreach (var entry in file.Unordered)
                if (!seen.Contains(entry.Name) && ignore?.Invoke(entry.Name) != true)
                    problems.Add(entry);
        problems.ThrowIfAny(source);

        var values = new List<(Parameter Parameter, float[] Values)>(matched.Count);
        foreach (var (p, entry) in matched) values.Add((p, IntegerWeights.ToFloats(entry, source)));
        CheckValues(values, $"Safetensors file '{source}'");
        foreach (var (p, v) in values) v.CopyTo(p.Value.Span);
        return skipped;
    }

    /// <summary>
    /// Checks values about to be copied into their parameters, from any file (model, weights or
    /// checkpoint): an integer weight (I8/U8 storage) must hold whole numbers in its type's range,
    /// each weight passes its layer's own check (<see cref="Parameter.BeforeLoad"/>: quantization scales
    /// positive and finite, an int8 kernel in [−127, 127]), and the weights of one quantized layer must
    /// fit together (<see cref="QuantizedGrids"/>). Nothing is copied here; the caller copies once every check passed.
    /// </summary>
    /// <exception cref="DataFormatException">A value is refused; the message starts with <paramref name="what"/> and names the weight.</exception>
    internal static void CheckValues(IReadOnlyList<(Parameter Parameter, float[] Values)> values, string what)
    {
        foreach (var (p, v) in values)
        {
            if (p.Storage != WeightStorage.Float32 && IntegerWeights.Refusal(p, v) is { } integer)
                throw new DataFormatException($"{what}: weight '{p.Path}' {integer}");
            if (p.BeforeLoad?.Invoke(v) is { } refused)
                throw new DataFormatException($"{what}: weight '{p.Path}' {refused}");
            if (p.Storage == WeightStorage.Float32 && FirstNonFinite(v) is int at and >= 0)
                throw new DataFormatException($"{what}: weight '{p.Path}' holds {v[at].ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {at}; a weight must be a finite float32 (a NaN or infinite weight makes every prediction NaN)");
        }
        if (QuantizedGrids.Problem(values) is { } problem)
            throw new DataFormatException($"{what}: {problem}");
    }

    /// <summary>The index of the first NaN or infinite value, or −1 when all are finite.</summary>
    private static int FirstNonFinite(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>
    /// The differences found, listed up to <see cref="WeightMismatchException.MaxListed"/>: a hostile file
    /// of millions of tensors gives a short message and allocates nothing per unexpected tensor.
    /// </summary>
    internal sealed class Problems
    {
        private readonly List<string> _listed = [];
        private int _count;

        public void Add(string problem)
        {
            if (Listing) _listed.Add(problem);
            _count++;
        }

        /// <summary>A tensor in the file that the model lacks.</summary>
        public void Add(SafetensorsEntry entry)
        {
            if (Listing) _listed.Add($"{SafetensorsHeader.Clip(entry.Name)}: in the file {SafetensorsHeader.ShapeText(entry.Shape)} but not in the model");
            _count++;
        }

        /// <summary>A weight in a checkpoint that the model lacks.</summary>
        public void Add(string path, Tensors.Shape shape)
        {
            if (Listing) _listed.Add($"{SafetensorsHeader.Clip(path)}: in the checkpoint {shape} but not in the model");
            _count++;
        }

        private bool Listing => _listed.Count < WeightMismatchException.MaxListed;

        public void ThrowIfAny(string source)
        {
            if (_count > 0) throw new WeightMismatchException(source, _listed, _count);
        }
    }

    private static bool SameShape(SafetensorsEntry entry, Parameter p)
    {
        if (entry.Shape.Count != p.Shape.Rank) return false;
        for (int i = 0; i < entry.Shape.Count; i++)
            if (entry.Shape[i] != p.Shape[i]) return false;
        return true;
    }
}

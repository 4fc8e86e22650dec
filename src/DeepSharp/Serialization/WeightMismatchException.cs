namespace DeepSharp.Serialization;

/// <summary>
/// A weights file does not fit a model: the message (and <see cref="Problems"/>) lists every
/// missing, unexpected or differently shaped weight, with both shapes.
/// </summary>
public sealed class WeightMismatchException : DeepSharpException
{
    public WeightMismatchException(string source, IReadOnlyList<string> problems)
        : base($"Weights in '{source}' do not fit the model ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}): {string.Join("; ", problems)}.")
    {
        Problems = problems;
    }

    /// <summary>One line per differing weight, e.g. "dense_1/kernel: file (128, 10), model (64, 10)".</summary>
    public IReadOnlyList<string> Problems { get; }
}

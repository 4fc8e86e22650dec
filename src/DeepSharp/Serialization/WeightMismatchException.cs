namespace DeepSharp.Serialization;

/// <summary>
/// A weights file does not fit a model: the message (and <see cref="Problems"/>) lists the missing,
/// unexpected or differently shaped weights, with both shapes; <see cref="ProblemCount"/> counts them
/// all (a hostile file can hold millions of tensors: at most <see cref="MaxListed"/> are listed).
/// </summary>
public sealed class WeightMismatchException : DeepSharpException
{
    /// <summary>The most problems a message and <see cref="Problems"/> list.</summary>
    public const int MaxListed = 20;

    /// <param name="source">The weights file (or other source) named in the message.</param>
    /// <param name="problems">Every problem found, one line each; only the first <see cref="MaxListed"/> are kept.</param>
    public WeightMismatchException(string source, IReadOnlyList<string> problems) : this(source, problems, problems.Count) { }

    /// <summary>
    /// <paramref name="problems"/> lists the first problems found (only the first <see cref="MaxListed"/> are kept),
    /// <paramref name="problemCount"/> counts them all.
    /// </summary>
    public WeightMismatchException(string source, IReadOnlyList<string> problems, int problemCount)
        : base(Format(source, problems, problemCount))
    {
        Problems = problems.Count <= MaxListed ? problems : [.. problems.Take(MaxListed)];
        ProblemCount = Math.Max(problemCount, Problems.Count);
    }

    /// <summary>One line per differing weight, e.g. "dense_1/kernel: file (128, 10), model (64, 10)" (the first <see cref="MaxListed"/>).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>How many weights differ in all.</summary>
    public int ProblemCount { get; }

    private static string Format(string source, IReadOnlyList<string> problems, int count)
    {
        count = Math.Max(count, problems.Count);
        var listed = string.Join("; ", problems.Take(MaxListed));
        string more = count > Math.Min(problems.Count, MaxListed) ? $"; and {count - Math.Min(problems.Count, MaxListed)} more" : "";
        return $"Weights in '{source}' do not fit the model ({count} problem{(count == 1 ? "" : "s")}): {listed}{more}.";
    }
}

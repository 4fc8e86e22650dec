using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// A seeded, stratified fraction of a labelled set (scikit-learn's <c>train_test_split(..., stratify=y)</c>
/// keeping the first part): the few-label runs of pre-training experiments.
/// </summary>
public static class StratifiedSample
{
    /// <summary>
    /// About <paramref name="fraction"/> of <paramref name="items"/>, the same fraction of every class
    /// (round(fraction × class size), at least one item of each class present), chosen by shuffling each
    /// class with <paramref name="seed"/>; the items keep their original order. A fraction of 1 returns all of them.
    /// </summary>
    /// <param name="items">The labelled items.</param>
    /// <param name="label">The class of an item (any integer).</param>
    /// <param name="fraction">The share to keep, in (0, 1].</param>
    /// <param name="seed">The shuffling seed: the same items, fraction and seed give the same sample.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside (0, 1].</exception>
    public static IReadOnlyList<T> Take<T>(IReadOnlyList<T> items, Func<T, int> label, double fraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(label);
        if (!(fraction > 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction of items to keep must be in (0, 1].");
        if (fraction == 1) return items.ToArray();
        var random = new RandomGenerator(seed);
        var keep = new bool[items.Count];
        foreach (var group in Enumerable.Range(0, items.Count).GroupBy(i => label(items[i])).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            int count = Math.Clamp((int)Math.Round(fraction * members.Length, MidpointRounding.AwayFromZero), 1, members.Length);
            for (int j = 0; j < count; j++) keep[members[j]] = true;
        }
        return Enumerable.Range(0, items.Count).Where(i => keep[i]).Select(i => items[i]).ToArray();
    }
}

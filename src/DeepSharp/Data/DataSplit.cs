using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>A data set cut into training, validation and test parts.</summary>
public sealed record DataSplit<T>(IReadOnlyList<T> Train, IReadOnlyList<T> Validation, IReadOnlyList<T> Test);

/// <summary>Deterministic splits: the same items, fractions and seed give the same parts on every machine.</summary>
public static class DataSplit
{
    /// <summary>
    /// Shuffles <paramref name="items"/> with <paramref name="seed"/> (xoshiro128**, as every
    /// DeepSharp generator) and cuts off the validation and test fractions (rounded down) from the end.
    /// </summary>
    public static DataSplit<T> Shuffled<T>(IReadOnlyList<T> items, double validationFraction, double testFraction, long seed = 42)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"Fractions {validationFraction} and {testFraction} must be ≥ 0 and sum to less than 1.");
        var order = new int[items.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new RandomGenerator(seed).Shuffle(order);
        int test = (int)(items.Count * testFraction), validation = (int)(items.Count * validationFraction);
        int train = items.Count - test - validation;
        T[] Take(int start, int count) => order.AsSpan(start, count).ToArray().Select(i => items[i]).ToArray();
        return new DataSplit<T>(Take(0, train), Take(train, validation), Take(train + validation, test));
    }
}

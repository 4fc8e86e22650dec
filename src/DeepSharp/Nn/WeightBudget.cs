namespace DeepSharp.Nn;

/// <summary>
/// A limit on the weight elements layers may create on this thread while it is open. A model
/// file opens one before building the layers its config describes, so a config that asks for
/// more weights than the file holds fails before anything is allocated. A budget opened for a
/// file also says that every weight built under it is about to be overwritten by the file's
/// values, so initializers may skip work whose result would be thrown away.
/// </summary>
internal sealed class WeightBudget : IDisposable
{
    [ThreadStatic] private static WeightBudget? t_current;

    private readonly WeightBudget? _previous;
    private readonly bool _overwrittenByFile;
    private long _remaining;

    /// <param name="elements">The weight elements layers may create while this budget is open.</param>
    /// <param name="overwrittenByFile">True when a file's weights replace every value created under this budget.</param>
    public WeightBudget(long elements, bool overwrittenByFile = false)
    {
        _remaining = elements;
        _overwrittenByFile = overwrittenByFile;
        _previous = t_current;
        t_current = this;
    }

    /// <summary>
    /// True while weights are built only to be overwritten by a model file's values (Model.Load): an
    /// initializer still draws its random numbers, so the generator advances exactly as it would, but
    /// may leave out costly arithmetic on them (the orthogonal initializer's O(n³) QR).
    /// </summary>
    public static bool ValuesOverwrittenByFile => t_current?._overwrittenByFile == true;

    /// <summary>Takes <paramref name="elements"/> from the open budget, if any; throws when it runs out.</summary>
    public static void Take(long elements, string weight)
    {
        if (t_current is not { } budget) return;
        if (elements > budget._remaining)
            throw new DeepSharpException($"Weight '{weight}' needs {elements} elements but only {budget._remaining} remain of the budget.");
        budget._remaining -= elements;
    }

    public void Dispose() => t_current = _previous;
}

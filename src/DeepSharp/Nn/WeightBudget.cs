namespace DeepSharp.Nn;

/// <summary>
/// A limit on the weight elements layers may create on this thread while it is open. A model
/// file opens one before building the layers its config describes, so a config that asks for
/// more weights than the file holds fails before anything is allocated.
/// </summary>
internal sealed class WeightBudget : IDisposable
{
    [ThreadStatic] private static WeightBudget? t_current;

    private readonly WeightBudget? _previous;
    private long _remaining;

    public WeightBudget(long elements)
    {
        _remaining = elements;
        _previous = t_current;
        t_current = this;
    }

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

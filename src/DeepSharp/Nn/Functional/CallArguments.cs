namespace DeepSharp.Nn;

/// <summary>
/// The keyword arguments of one layer call in a functional graph (Keras's call kwargs): the names
/// of the input tensors passed by keyword, which follow the positional ones in the call's input
/// list, and boolean options such as <c>use_causal_mask</c>. Model configs write them as
/// <c>kwargs</c>; only layers that declare keyword arguments accept them.
/// </summary>
public sealed class CallArguments
{
    private readonly string[] _tensorNames;
    private readonly KeyValuePair<string, bool>[] _flags;

    public CallArguments(int positional, IEnumerable<string>? tensorNames = null, IEnumerable<KeyValuePair<string, bool>>? flags = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(positional);
        Positional = positional;
        _tensorNames = tensorNames?.ToArray() ?? [];
        _flags = flags?.ToArray() ?? [];
        if (_tensorNames.Distinct(StringComparer.Ordinal).Count() != _tensorNames.Length || _flags.Select(f => f.Key).Distinct(StringComparer.Ordinal).Count() != _flags.Length)
            throw new ArgumentException($"A keyword argument is given twice: [{string.Join(", ", _tensorNames.Concat(_flags.Select(f => f.Key)))}].");
    }

    /// <summary>No keyword arguments: every input is positional.</summary>
    public static CallArguments None { get; } = new(0);

    /// <summary>How many of the call's inputs are positional (all of them when <see cref="IsEmpty"/>).</summary>
    public int Positional { get; }

    /// <summary>The keywords of the inputs after the positional ones, in order.</summary>
    public IReadOnlyList<string> TensorNames => _tensorNames;

    /// <summary>Boolean options, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, bool>> Flags => _flags;

    /// <summary>Whether there are no keyword tensors and no options.</summary>
    public bool IsEmpty => _tensorNames.Length == 0 && _flags.Length == 0;

    /// <summary>The position in the call's input list of the tensor passed as <paramref name="name"/>, or −1.</summary>
    public int IndexOf(string name)
    {
        int i = Array.IndexOf(_tensorNames, name);
        return i < 0 ? -1 : Positional + i;
    }

    /// <summary>The option <paramref name="name"/>, or <paramref name="defaultValue"/> when not given.</summary>
    public bool Flag(string name, bool defaultValue = false)
    {
        foreach (var f in _flags)
            if (f.Key == name) return f.Value;
        return defaultValue;
    }

    /// <summary>Throws unless every keyword is one of <paramref name="tensors"/> or <paramref name="options"/>.</summary>
    internal void RequireKnown(Layer layer, ReadOnlySpan<string> tensors, ReadOnlySpan<string> options)
    {
        foreach (string name in _tensorNames)
            if (!tensors.Contains(name))
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) takes no tensor argument '{name}'; it takes [{string.Join(", ", tensors.ToArray())}].");
        foreach (var f in _flags)
            if (!options.Contains(f.Key))
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) takes no option '{f.Key}'; it takes [{string.Join(", ", options.ToArray())}].");
    }

    public override string ToString() =>
        $"{Positional} positional{string.Concat(_tensorNames.Select(n => $", {n}=<tensor>"))}{string.Concat(_flags.Select(f => $", {f.Key}={(f.Value ? "true" : "false")}"))}";
}

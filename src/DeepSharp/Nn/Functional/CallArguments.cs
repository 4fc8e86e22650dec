namespace DeepSharp.Nn;

/// <summary>
/// The keyword arguments of one layer call in a functional graph (Keras's call kwargs): the names
/// of the input tensors passed by keyword, which follow the positional ones in the call's input
/// list, and boolean options such as <c>use_causal_mask</c>. A keyword may hold a list of tensors
/// (Keras's <c>initial_state=[h, c]</c>): its name then repeats once per tensor, side by side. Model
/// configs write them as <c>kwargs</c>; only layers that declare keyword arguments accept them.
/// </summary>
public sealed class CallArguments
{
    private readonly string[] _tensorNames;
    private readonly string[] _listNames;
    private readonly KeyValuePair<string, bool>[] _flags;

    /// <param name="positional">How many of the call's inputs come first, without a keyword.</param>
    /// <param name="tensorNames">The keyword of each later input, in order; a list keyword repeats.</param>
    /// <param name="flags">Boolean options.</param>
    /// <param name="listNames">The keywords among <paramref name="tensorNames"/> that hold a list of tensors.</param>
    public CallArguments(int positional, IEnumerable<string>? tensorNames = null, IEnumerable<KeyValuePair<string, bool>>? flags = null,
        IEnumerable<string>? listNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(positional);
        Positional = positional;
        _tensorNames = tensorNames?.ToArray() ?? [];
        _flags = flags?.ToArray() ?? [];
        _listNames = listNames?.Distinct(StringComparer.Ordinal).ToArray() ?? [];
        var keywords = new List<string>();
        for (int i = 0; i < _tensorNames.Length; i++)
            if (i == 0 || _tensorNames[i] != _tensorNames[i - 1] || !IsList(_tensorNames[i])) keywords.Add(_tensorNames[i]);
        keywords.AddRange(_flags.Select(f => f.Key));
        if (keywords.Distinct(StringComparer.Ordinal).Count() != keywords.Count)
            throw new ArgumentException($"A keyword argument is given twice: [{string.Join(", ", keywords)}].");
        foreach (string list in _listNames)
            if (!_tensorNames.Contains(list)) throw new ArgumentException($"List keyword '{list}' holds no tensor.", nameof(listNames));
    }

    /// <summary>No keyword arguments: every input is positional.</summary>
    public static CallArguments None { get; } = new(0);

    /// <summary>How many of the call's inputs are positional (all of them when <see cref="IsEmpty"/>).</summary>
    public int Positional { get; }

    /// <summary>The keywords of the inputs after the positional ones, in order (a list keyword once per tensor).</summary>
    public IReadOnlyList<string> TensorNames => _tensorNames;

    /// <summary>The keywords that hold a list of tensors (written as a JSON list in configs).</summary>
    public IReadOnlyList<string> ListNames => _listNames;

    /// <summary>Whether <paramref name="name"/> holds a list of tensors.</summary>
    public bool IsList(string name) => Array.IndexOf(_listNames, name) >= 0;

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

    /// <summary>
    /// Where the tensors passed as <paramref name="name"/> are in the call's input list: the first
    /// position and how many (one for a plain keyword; (−1, 0) when absent).
    /// </summary>
    public (int Start, int Count) RangeOf(string name)
    {
        int i = Array.IndexOf(_tensorNames, name);
        if (i < 0) return (-1, 0);
        int count = 1;
        while (i + count < _tensorNames.Length && _tensorNames[i + count] == name) count++;
        return (Positional + i, count);
    }

    /// <summary>The same keywords and options after <paramref name="positional"/> positional inputs.</summary>
    internal CallArguments WithPositional(int positional) => new(positional, _tensorNames, _flags, _listNames);

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

    /// <summary>A summary for error messages, e.g. <c>1 positional, padding_mask=&lt;tensor&gt;, use_causal_mask=true</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { $"{Positional} positional" };
        for (int i = 0; i < _tensorNames.Length; i++)
        {
            string name = _tensorNames[i];
            if (!IsList(name)) { parts.Add($"{name}=<tensor>"); continue; }
            if (i > 0 && _tensorNames[i - 1] == name) continue;
            parts.Add($"{name}=[{RangeOf(name).Count} tensors]");
        }
        parts.AddRange(_flags.Select(f => $"{f.Key}={(f.Value ? "true" : "false")}"));
        return string.Join(", ", parts);
    }
}

namespace DeepSharp.Nn;

/// <summary>
/// Convolution and pooling padding, as in Keras: <see cref="Valid"/>, <see cref="Same"/> or (Conv1D only)
/// <see cref="Causal"/>. Keras's strings convert to it, case-insensitively, so <c>padding: "same"</c> and
/// <c>padding: Padding.Same</c> both compile; a layer refuses a name it does not take, naming itself and the
/// names it accepts. <c>default(Padding)</c> is <see cref="Valid"/>, every layer's default.
/// </summary>
public readonly struct Padding : IEquatable<Padding>
{
    private enum Kind : byte { Valid, Same, Causal, Unknown }

    private readonly Kind _kind;
    private readonly string? _unknown; // the name given, when it is none of Keras's

    private Padding(Kind kind, string? unknown = null)
    {
        _kind = kind;
        _unknown = unknown;
    }

    /// <summary>No padding; the output size is floored.</summary>
    public static Padding Valid => default;
    /// <summary>Output size ⌈input/stride⌉; the extra padding goes to the bottom/right.</summary>
    public static Padding Same { get; } = new(Kind.Same);
    /// <summary>
    /// Conv1D only: dilation·(kernel − 1) zeros before the sequence and none after, so that output step t sees
    /// inputs up to t alone (WaveNet's dilated causal convolution); output length ⌈steps/strides⌉.
    /// </summary>
    public static Padding Causal { get; } = new(Kind.Causal);

    /// <summary>Keras's name: "valid", "same" or "causal" (an unknown name as it was given).</summary>
    public override string ToString() => _kind switch
    {
        Kind.Same => "same",
        Kind.Causal => "causal",
        Kind.Unknown => _unknown!,
        _ => "valid",
    };

    /// <summary>
    /// Keras's <c>padding="same"</c>: "valid", "same" or "causal", in any case. Another name converts to a value that
    /// every layer refuses when constructed, with a message naming the layer (see <see cref="Parse"/> to fail at once).
    /// </summary>
    /// <exception cref="ArgumentNullException">The name is null.</exception>
    public static implicit operator Padding(string name)
    {
        ArgumentNullException.ThrowIfNull(name, nameof(name));
        return TryParse(name, out var padding) ? padding : new Padding(Kind.Unknown, name);
    }

    /// <summary>The padding with this Keras name ("valid", "same", "causal"; case-insensitive).</summary>
    /// <exception cref="DeepSharpException">The name is none of these.</exception>
    public static Padding Parse(string name) =>
        TryParse(name, out var padding) ? padding
        : throw new DeepSharpException($"Unknown padding '{TerminalText.Escape(name)}'; expected 'valid', 'same' or 'causal'.");

    /// <summary>Whether <paramref name="name"/> is one of Keras's padding names (case-insensitive), and which.</summary>
    public static bool TryParse(string? name, out Padding padding)
    {
        padding = name?.ToLowerInvariant() switch
        {
            "valid" => Valid,
            "same" => Same,
            "causal" => Causal,
            _ => new Padding(Kind.Unknown, name),
        };
        return padding._kind != Kind.Unknown;
    }

    /// <summary>
    /// This padding, checked for the layer <paramref name="layer"/>: valid or same, and causal where
    /// <paramref name="allowCausal"/> (Keras allows it for Conv1D alone).
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown, or causal where the layer does not take it.</exception>
    internal Padding For(string layer, bool allowCausal = false)
    {
        string expected = allowCausal ? "'valid', 'same' or 'causal'" : "'valid' or 'same'";
        if (_kind == Kind.Unknown)
            throw new ArgumentException($"Unknown padding '{TerminalText.Escape(_unknown!)}' for {layer}; expected {expected}.", "padding");
        if (_kind == Kind.Causal && !allowCausal)
            throw new ArgumentException($"{layer} does not take padding 'causal' (as in Keras, only Conv1D does); expected {expected}.", "padding");
        return this;
    }

    /// <inheritdoc/>
    public bool Equals(Padding other) => _kind == other._kind && (_kind != Kind.Unknown || string.Equals(_unknown, other._unknown, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Padding other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _kind == Kind.Unknown ? StringComparer.OrdinalIgnoreCase.GetHashCode(_unknown!) : (int)_kind;

    /// <summary>Whether both are the same padding.</summary>
    public static bool operator ==(Padding left, Padding right) => left.Equals(right);

    /// <summary>Whether the paddings differ.</summary>
    public static bool operator !=(Padding left, Padding right) => !left.Equals(right);
}

internal static class PaddingNames
{
    public static string ToName(this Padding p) => p.ToString();

    /// <summary>A config's padding: valid or same (and causal where the layer takes it; the layer checks).</summary>
    public static Padding Parse(string name) => Padding.Parse(name);
}

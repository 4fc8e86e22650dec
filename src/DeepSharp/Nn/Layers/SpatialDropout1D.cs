namespace DeepSharp.Nn.Layers;

/// <summary>Keras's SpatialDropout1D: on (batch, steps, channels), drops whole channels of a sample at every step while training (see <see cref="SpatialDropout"/>).</summary>
public sealed class SpatialDropout1D(float rate, long? seed = null, string? name = null, int[]? inputShape = null)
    : SpatialDropout(rate, seed, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "SpatialDropout1D";
    private protected override int SampleRank => 2;
    private protected override string Layout => "(batch, steps, channels)";

    internal static SpatialDropout1D FromConfig(LayerConfig c) => new(ReadRate(c), c.Seed(), c.Name, c.Shape("input_shape"));
}

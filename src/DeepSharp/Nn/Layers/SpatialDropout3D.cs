using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's SpatialDropout3D: on channels-last volumes (batch, depth, height, width, channels), drops whole
/// feature volumes of a sample while training (see <see cref="SpatialDropout"/>). Only data_format
/// "channels_last" exists, as everywhere in DeepSharp.
/// </summary>
public sealed class SpatialDropout3D(float rate, long? seed = null, string? name = null, int[]? inputShape = null)
    : SpatialDropout(rate, seed, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "SpatialDropout3D";
    private protected override int SampleRank => 4;
    private protected override string Layout => "(batch, depth, height, width, channels)";

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        return config;
    }

    internal static SpatialDropout3D FromConfig(LayerConfig c)
    {
        Pooling1D.RequireChannelsLast(c);
        return new(ReadRate(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}

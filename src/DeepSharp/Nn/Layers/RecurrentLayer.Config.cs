using System.Text.Json.Nodes;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

public abstract partial class RecurrentLayer
{
    /// <summary>Whether the config carries recurrent_activation (SimpleRNN has no gates).</summary>
    private protected virtual bool HasGates => true;

    /// <summary>Keras's config keys for this layer (stateful and unroll are always false here).</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        Options.WriteCell(config, Units, HasGates, AddCellConfig);
        RecurrentOptions.WriteSequence(config, ReturnSequences, ReturnState, GoBackwards, unroll: false, ZeroOutputForMask);
        return config;
    }

    /// <summary>Adds the cell's own keys (unit_forget_bias, reset_after).</summary>
    private protected virtual void AddCellConfig(JsonObject config) { }

    /// <summary>What every recurrent layer's constructor takes besides its cell's own settings.</summary>
    private protected readonly record struct Settings(
        int Units, RecurrentOptions Options, Regularizer? ActivityRegularizer, bool ReturnSequences, bool ReturnState, bool GoBackwards,
        bool ZeroOutputForMask, string? Name, int[]? InputShape);

    /// <summary>Reads the shared keys with Keras's defaults; stateful layers are refused.</summary>
    private protected static Settings ReadSettings(LayerConfig c)
    {
        RecurrentOptions.RefuseStateful(c);
        return new Settings(c.RequiredSize("units"), RecurrentOptions.Read(c), c.Regularizer("activity_regularizer"),
            c.Bool("return_sequences", false), c.Bool("return_state", false), c.Bool("go_backwards", false), c.Bool("zero_output_for_mask", false),
            c.Name, c.Shape("input_shape"));
    }
}

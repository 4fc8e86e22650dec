using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

public abstract partial class ConvLstm
{
    /// <summary>Keras's config keys for a ConvLSTM layer (data_format channels_last; stateful and unroll always false).</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = Sizes(_kernelSize);
        config["strides"] = Sizes(_strides);
        config["padding"] = Padding.ToName();
        config["data_format"] = "channels_last";
        config["dilation_rate"] = Sizes(_dilationRate);
        config["activation"] = Activation.Name;
        config["recurrent_activation"] = RecurrentActivation.Name;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["recurrent_initializer"] = RecurrentInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        config["unit_forget_bias"] = UnitForgetBias;
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "recurrent_regularizer", RecurrentRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "recurrent_constraint", RecurrentConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        config["dropout"] = Dropout;
        config["recurrent_dropout"] = RecurrentDropout;
        if (Seed is { } s) config["seed"] = s;
        config["return_sequences"] = ReturnSequences;
        config["return_state"] = ReturnState;
        config["go_backwards"] = GoBackwards;
        config["stateful"] = false;
        config["unroll"] = false;
        config["zero_output_for_mask"] = ZeroOutputForMask;
        return config;
    }

    private static JsonArray Sizes(int[] sizes)
    {
        var array = new JsonArray();
        foreach (int v in sizes) array.Add((JsonNode)v);
        return array;
    }

    /// <summary>Everything a ConvLSTM layer's constructor takes, with the sizes as arrays of one value per spatial axis.</summary>
    private protected sealed record Settings(
        int Filters, int[] KernelSize, int[] Strides, Padding Padding, int[] DilationRate,
        Activation? Activation, Activation? RecurrentActivation, bool UseBias,
        Initializer? KernelInitializer, Initializer? RecurrentInitializer, Initializer? BiasInitializer, bool UnitForgetBias,
        float Dropout, float RecurrentDropout, bool ReturnSequences, bool ReturnState, bool GoBackwards, bool ZeroOutputForMask,
        long? Seed, string? Name, int[]? InputShape,
        Regularizer? KernelRegularizer, Regularizer? RecurrentRegularizer, Regularizer? BiasRegularizer, Regularizer? ActivityRegularizer,
        Constraint? KernelConstraint, Constraint? RecurrentConstraint, Constraint? BiasConstraint);

    /// <summary>Reads a ConvLSTM config of <paramref name="rank"/> spatial axes with Keras's defaults; stateful layers and channels_first are refused.</summary>
    private protected static Settings ReadSettings(LayerConfig c, int rank)
    {
        ConvolutionConfig.ChannelsLast(c);
        if (c.IsTrue("stateful"))
            throw c.Error("stateful", "is true, which is not supported: DeepSharp's recurrent layers start every batch from their initial state");
        return new Settings(
            c.RequiredSize("filters"),
            ReadSizes(c, "kernel_size", rank, null),
            ReadSizes(c, "strides", rank, 1),
            c.Padding(),
            ReadSizes(c, "dilation_rate", rank, 1),
            c.Activation("activation", "tanh"),
            c.Activation("recurrent_activation", "sigmoid"),
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", "glorot_uniform"),
            c.Initializer("recurrent_initializer", "orthogonal"),
            c.Initializer("bias_initializer", "zeros"),
            c.Bool("unit_forget_bias", true),
            c.Rate("dropout", 0f),
            c.Rate("recurrent_dropout", 0f),
            c.Bool("return_sequences", false),
            c.Bool("return_state", false),
            c.Bool("go_backwards", false),
            c.Bool("zero_output_for_mask", false),
            c.Seed(),
            c.Name,
            c.Shape("input_shape"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
            c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"));
    }

    /// <summary>Keras's sizes: n (every axis) or a list of <paramref name="rank"/> positive integers.</summary>
    private static int[] ReadSizes(LayerConfig c, string key, int rank, int? fallback)
    {
        switch (rank)
        {
            case 1:
                return [c.OneSize(key, fallback)];
            case 2:
                var (h, w) = c.Pair(key, fallback is { } f2 ? (f2, f2) : null);
                return [h, w];
            default:
                var (d, r, k) = VolumeConfig.Triple(c, key, fallback is { } f3 ? (f3, f3, f3) : null);
                return [d, r, k];
        }
    }
}

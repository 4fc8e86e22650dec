using System.Text.Json.Nodes;
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
        Options.WriteActivations(config);
        config["unit_forget_bias"] = UnitForgetBias;
        Options.WriteRules(config);
        Options.WriteDropout(config);
        RecurrentOptions.WriteSequence(config, ReturnSequences, ReturnState, GoBackwards, unroll: false, ZeroOutputForMask);
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
        int Filters, int[] KernelSize, int[] Strides, Padding Padding, int[] DilationRate, RecurrentOptions Options, bool UnitForgetBias,
        bool ReturnSequences, bool ReturnState, bool GoBackwards, bool ZeroOutputForMask, string? Name, int[]? InputShape, Regularizer? ActivityRegularizer);

    /// <summary>Reads a ConvLSTM config of <paramref name="rank"/> spatial axes with Keras's defaults; stateful layers and channels_first are refused.</summary>
    private protected static Settings ReadSettings(LayerConfig c, int rank)
    {
        ConvolutionConfig.ChannelsLast(c);
        RecurrentOptions.RefuseStateful(c);
        return new Settings(
            c.RequiredSize("filters"),
            ReadSizes(c, "kernel_size", rank, null),
            ReadSizes(c, "strides", rank, 1),
            c.Padding(),
            ReadSizes(c, "dilation_rate", rank, 1),
            RecurrentOptions.Read(c),
            c.Bool("unit_forget_bias", true),
            c.Bool("return_sequences", false),
            c.Bool("return_state", false),
            c.Bool("go_backwards", false),
            c.Bool("zero_output_for_mask", false),
            c.Name,
            c.Shape("input_shape"),
            c.Regularizer("activity_regularizer"));
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

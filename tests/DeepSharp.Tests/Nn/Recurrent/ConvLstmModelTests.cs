using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// ConvLSTM layers in models: Keras configs both ways, model files bit for bit with Keras's weight
/// names, Summary, functional calls with states, ONNX refusal, and a next-frame task that trains.
/// </summary>
public class ConvLstmModelTests
{
    /// <summary>Models holding ConvLSTM1D/2D/3D, for the config fuzz test that every registered type is covered.</summary>
    internal static Model Sample() => new Sequential(
        new ConvLstm2D(2, (2, 2), padding: Padding.Same, returnSequences: true, recurrentDropout: 0.1f, seed: 1, inputShape: [3, 4, 4, 1]),
        new Reshape([3, 16, 2]), new ConvLstm1D(2, 3, strides: 2, returnSequences: true, goBackwards: true),
        new Reshape([3, 1, 7, 1, 2]), new ConvLstm3D(1, (1, 2, 2), padding: Padding.Same, dropout: 0.1f, seed: 2),
        new Flatten(), new Dense(2));

    [Fact]
    public void ConfigsRoundTripWithKerasKeys()
    {
        var layer = new ConvLstm2D(3, (3, 2), strides: (2, 1), padding: Padding.Same, activation: Activation.Relu, recurrentActivation: Activation.Elu,
            unitForgetBias: false, dropout: 0.25f, recurrentDropout: 0.5f, returnSequences: true, goBackwards: true, seed: 9, name: "video",
            kernelRegularizer: new DeepSharp.Nn.Regularizers.L2(0.01f));
        var config = layer.GetConfig();
        Assert.Equal("[3,2]", config["kernel_size"]!.ToJsonString());
        Assert.Equal("[2,1]", config["strides"]!.ToJsonString());
        Assert.Equal("[1,1]", config["dilation_rate"]!.ToJsonString());
        Assert.Equal("same", (string)config["padding"]!);
        Assert.Equal("channels_last", (string)config["data_format"]!);
        Assert.Equal("elu", (string)config["recurrent_activation"]!);
        Assert.False((bool)config["unit_forget_bias"]!);
        Assert.False((bool)config["stateful"]!);
        foreach (var (type, l) in new (string, Layer)[] { ("ConvLSTM2D", layer), ("ConvLSTM1D", new ConvLstm1D(2, 5, dilationRate: 2, returnState: true)),
            ("ConvLSTM3D", new ConvLstm3D(4, (1, 2, 3), strides: (1, 2, 1), useBias: false, zeroOutputForMask: true)) })
        {
            Assert.Equal(type, l.TypeName);
            var clone = LayerRegistry.Create(type, l.GetConfig());
            Assert.Equal(l.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
        }

        // A config as Keras writes it: integer sizes, Keras's defaults for what is missing.
        var keras = (ConvLstm2D)LayerRegistry.Create("ConvLSTM2D", new JsonObject
        {
            ["name"] = "conv_lstm2d", ["filters"] = 64, ["kernel_size"] = 5, ["padding"] = "same", ["return_sequences"] = true, ["activation"] = "relu",
        });
        Assert.Equal((5, 5), keras.KernelSize);
        Assert.Equal((1, 1), keras.Strides);
        Assert.Equal("sigmoid", keras.RecurrentActivation.Name);
        Assert.True(keras.UnitForgetBias);
        var square = new ConvLstm2D(4, 3, strides: 2, activation: "relu");
        Assert.Equal(((3, 3), (2, 2), (1, 1), "relu"), (square.KernelSize, square.Strides, square.DilationRate, square.Activation.Name));
        var cube = new ConvLstm3D(4, 2, dilationRate: 2);
        Assert.Equal(((2, 2, 2), (1, 1, 1), (2, 2, 2)), (cube.KernelSize, cube.Strides, cube.DilationRate));
        var stateful = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("ConvLSTM2D", new JsonObject { ["filters"] = 2, ["kernel_size"] = 3, ["stateful"] = true }));
        Assert.Contains("stateful", stateful.Message);
        var first = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("ConvLSTM1D", new JsonObject { ["filters"] = 2, ["kernel_size"] = 3, ["data_format"] = "channels_first" }));
        Assert.Contains("data_format", first.Message);
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("ConvLSTM3D", new JsonObject { ["filters"] = 2, ["kernel_size"] = new JsonArray(1, 2) }));
    }

    [Fact]
    public void ModelFilesSaveAndLoadBitForBitWithKerasNames()
    {
        RandomGenerator.SetGlobalSeed(41);
        var model = Sample();
        using var folder = new TempFolder();
        string path = folder.File("video.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var x = GradCheck.Random(42, 2, 3, 4, 4, 1);
        Assert.Equal(model.Predict(x).ToArray().Select(BitConverter.SingleToInt32Bits), loaded.Predict(x).ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(model.Summary(_ => { }), loaded.Summary(_ => { }));
        var names = SafetensorsFile.Load(path).Entries.Select(e => e.Name).ToHashSet();
        Assert.Contains("conv_lstm2d/conv_lstm_cell/kernel", names);
        Assert.Contains("conv_lstm1d/conv_lstm_cell/recurrent_kernel", names);
        Assert.Contains("conv_lstm3d/conv_lstm_cell/bias", names);
    }

    [Fact]
    public void SummaryShowsKerasShapesAndParameterCounts()
    {
        // Keras's next-frame example: ConvLSTM2D(64, (5, 5), same, return_sequences) on (None, 19, 64, 64, 1).
        var model = new Sequential(
            new ConvLstm2D(64, (5, 5), padding: Padding.Same, returnSequences: true, activation: Activation.Relu, inputShape: [19, 64, 64, 1]),
            new ConvLstm2D(40, (3, 3), padding: Padding.Same));
        string summary = model.Summary(_ => { });
        Assert.Contains("(None, 19, 64, 64, 64)", summary);
        Assert.Contains("(None, 64, 64, 40)", summary);
        int first = 4 * 64 * (5 * 5 * 1 + 5 * 5 * 64 + 1), second = 4 * 40 * (3 * 3 * 64 + 3 * 3 * 40 + 1);
        Assert.Equal(416_256, first);
        Assert.Contains(first.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), summary);
        Assert.Contains(second.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), summary);
        Assert.Equal(first + second, model.Layers.Sum(l => l.ParameterCount));
    }

    [Fact]
    public void FunctionalCallsWithStatesEqualEagerCalls()
    {
        RandomGenerator.SetGlobalSeed(43);
        var x = Model.Input([3, 4, 4, 2]);
        var h0 = Model.Input([4, 4, 2], name: "h0");
        var c0 = Model.Input([4, 4, 2], name: "c0");
        var layer = new ConvLstm2D(2, (3, 3), padding: Padding.Same, returnSequences: true, returnState: true);
        var outputs = layer.CallWithState(x, initialState: [h0, c0]);
        Assert.Equal(3, outputs.Length);
        var model = new Functional([x, h0, c0], [.. outputs]);

        var xs = GradCheck.Random(44, 2, 3, 4, 4, 2);
        var hs = GradCheck.Random(45, 2, 4, 4, 2);
        var cs = GradCheck.Random(46, 2, 4, 4, 2);
        var graph = model.Predict([xs, hs, cs]);
        var eager = layer.CallWithState(xs, initialState: [hs, cs]);
        for (int k = 0; k < 3; k++) Assert.Equal(eager[k].ToArray(), graph[k].ToArray());
        Assert.NotEqual(layer.CallWithState(xs)[1].ToArray(), graph[1].ToArray()); // the initial state is used

        var rebuilt = Functional.FromConfig(model.GetConfig());
        Assert.Equal(model.GetConfig().ToJsonString(), rebuilt.GetConfig().ToJsonString());

        var plain = new ConvLstm2D(2, (3, 3), padding: Padding.Same);
        var y = plain.Call(x, [h0, c0]);
        Assert.Equal(new Shape(4, 4, 2), y.Shape);
        var bad = Model.Input([4, 3, 2]);
        var e = Assert.Throws<ShapeMismatchException>(() => new ConvLstm2D(2, (3, 3), padding: Padding.Same, name: "enc").Call(x, [bad, c0]));
        Assert.Contains("'enc'", e.Message);
    }

    [Fact]
    public void OnnxExportIsRefusedNamingTheLayer()
    {
        RandomGenerator.SetGlobalSeed(47);
        var model = new Sequential(new ConvLstm2D(2, (2, 2), name: "frames", inputShape: [2, 3, 3, 1]), new Flatten(), new Dense(1));
        using var folder = new TempFolder();
        var e = Assert.Throws<DeepSharpException>(() => model.ExportOnnx(folder.File("m.onnx")));
        Assert.Contains("'frames'", e.Message);
        Assert.Contains("ConvLSTM2D", e.Message);
        Assert.False(File.Exists(folder.File("m.onnx")));
    }

    /// <summary>Sequences of a dot moving one pixel right per frame; the target is the next frame.</summary>
    private static (Tensor X, Tensor Y) MovingDots(int samples, int time, int size, int seed)
    {
        var rng = new RandomGenerator(seed);
        var x = Tensor.Zeros(samples, time, size, size, 1);
        var y = Tensor.Zeros(samples, time, size, size, 1);
        for (int n = 0; n < samples; n++)
        {
            int row = rng.NextInt(size), column = rng.NextInt(size - time);
            for (int t = 0; t < time; t++)
            {
                x.Span[((n * time + t) * size + row) * size + column + t] = 1f;
                y.Span[((n * time + t) * size + row) * size + column + t + 1] = 1f;
            }
        }
        return (x, y);
    }

    [Fact]
    public void LearnsToPredictTheNextFrameOfAMovingDot()
    {
        RandomGenerator.SetGlobalSeed(48);
        const int Time = 3, Size = 6;
        var (x, y) = MovingDots(48, Time, Size, 49);
        var model = new Sequential(
            new ConvLstm2D(4, (3, 3), padding: Padding.Same, returnSequences: true, inputShape: [Time, Size, Size, 1]),
            new Conv3D(1, (1, 3, 3), padding: Padding.Same, activation: Activation.Sigmoid));
        model.Compile(new Adam(0.02f), new BinaryCrossentropy());
        double before = model.Evaluate(x, y)["loss"];
        model.Fit(x, y, batchSize: 16, epochs: 40, verbose: 0);
        double after = model.Evaluate(x, y)["loss"];
        Assert.True(after < 0.2 * before, $"loss {before} → {after}");

        // The brightest predicted pixel of the last frame is where the dot goes next.
        var (tx, ty) = MovingDots(8, Time, Size, 50);
        var p = model.Predict(tx);
        int hits = 0, frame = Size * Size;
        for (int n = 0; n < 8; n++)
        {
            int at = (n * Time + Time - 1) * frame;
            var predicted = p.Span.Slice(at, frame);
            int best = 0;
            for (int i = 1; i < frame; i++) if (predicted[i] > predicted[best]) best = i;
            if (ty.Span[at + best] == 1f) hits++;
        }
        Assert.True(hits >= 6, $"{hits} of 8 next positions found (loss {before} → {after})");
    }
}

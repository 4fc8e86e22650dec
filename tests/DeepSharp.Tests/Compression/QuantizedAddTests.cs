using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>The int8 Add of a quantized functional model: calibration, the u8 graph runner, files and errors.</summary>
public class QuantizedAddTests
{
    /// <summary>Conv2D ReLU → Conv2D → Add (residual) → ReLU → Conv2D ReLU → Add → MaxPool → Flatten → Dense logits.</summary>
    internal static Model TwoBlocks(int seed = 7)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var x = Model.Input([10, 10, 2]);
        var a = new Conv2D(8, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(8, (3, 3), padding: Padding.Same).Call(a);
        var h = new Relu().Call(new Add().Call(a, b));
        var c = new Conv2D(8, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(h);
        var d = new Add().Call(h, c); // no ReLU after it: a linear int8 Add
        var y = new Dense(4).Call(new Flatten().Call(new MaxPooling2D((2, 2)).Call(d)));
        return new Functional(x, y, "two_blocks");
    }

    private static Tensor LayerByLayer(Model model, Tensor x)
    {
        using var noGrad = NoGrad.Scope();
        return model.Call([x])[0];
    }

    /// <summary>The u8 graph runner's output (it must take the graph), checked against the layer-by-layer float path and Predict.</summary>
    private static void RunsOnBytesAsLayerByLayer(Model model, Tensor x)
    {
        var graph = model.LayerGraph!;
        using var noGrad = NoGrad.Scope();
        var bytes = QuantizedGraph.TryRun(graph.Nodes, graph.Inputs, graph.Outputs, [x]);
        Assert.NotNull(bytes);
        var expected = LayerByLayer(model, x).ToArray();
        Assert.Equal(expected, bytes[0].ToArray());
        Assert.Equal(expected, model.Predict(x).ToArray());
    }

    [Fact]
    public void ResidualAddsRunOnBytesWithTheBitsOfTheLayerByLayerPath()
    {
        var model = TwoBlocks();
        var quantized = Quantization.Quantize(model, QuantizationTestModels.Images(200, 11));
        var adds = quantized.Layers.OfType<QuantizedAdd>().ToArray();
        Assert.Equal(2, adds.Length);
        Assert.Equal(Activation.Relu, adds[0].Activation);   // the ReLU after it is fused
        Assert.Equal(Activation.Linear, adds[1].Activation);
        Assert.Equal(0, adds[0].OutputZeroPoint);           // calibrated on the ReLU's output
        Assert.Empty(quantized.Layers.OfType<Add>());

        // Conv → Add → ReLU → Conv → Add → MaxPool → Flatten: every value between the first convolution and the Dense is bytes.
        var graph = quantized.LayerGraph!;
        var onBytes = QuantizedGraph.ValuesOnBytes(graph.Nodes, graph.Outputs);
        var bytes = graph.Nodes.Where(n => n.Layer is not InputLayer && onBytes.Contains(n.Output)).Select(n => n.Layer.TypeName).ToArray();
        Assert.Equal(["QuantizedConv2D", "QuantizedConv2D", "QuantizedAdd", "ReLU", "QuantizedConv2D", "QuantizedAdd", "MaxPooling2D", "Flatten"], bytes);
        // The first block's sum is read by the second block's convolution and Add on one grid.
        var conv = (QuantizedConv2D)quantized.Layers.OfType<QuantizedConv2D>().Last();
        Assert.Equal(conv.InputScale, adds[1].InputScale(0));
        Assert.Equal(adds[0].OutputScale, conv.InputScale);
        string text = Quantization.Describe(quantized);
        Assert.Contains("int8 add (inputs", text);
        Assert.Contains("ReLU fused", text);
        Assert.Contains("u8 (runs on the bytes", text);
        Assert.Contains("6 of 10 layers compute in int8.", text);

        foreach (int n in new[] { 33, 1 })
        {
            RunsOnBytesAsLayerByLayer(quantized, QuantizationTestModels.Images(n, 12));
        }

        var test2 = QuantizationTestModels.Images(100, 13);
        var expected = model.Predict(test2).ToArray();
        var actual = quantized.Predict(test2).ToArray();
        float largest = expected.Max(Math.Abs);
        double meanError = 0;
        for (int i = 0; i < expected.Length; i++) meanError += Math.Abs(expected[i] - actual[i]) / expected.Length;
        Assert.True(meanError <= 0.02 * largest, $"mean error {meanError} (largest output {largest})");
    }

    [Fact]
    public void ValuesWithReadersOnOtherGridsOrInFloatStayExact()
    {
        // The first convolution's output is read by an int8 Add, a float GlobalAveragePooling2D and,
        // through a MaxPool, an int8 convolution on another grid: it stays float; the Add's sum is read by a
        // Dense (its own grid, through Flatten) and by a Concatenate (float): bytes, dequantized where floats are read.
        RandomGenerator.SetGlobalSeed(3);
        var x = Model.Input([8, 8, 3]);
        var a = new Conv2D(6, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(6, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(a);
        var sum = new Add().Call(a, b);
        var pooled = new Conv2D(4, (3, 3), activation: Activation.Relu).Call(new MaxPooling2D((2, 2)).Call(a));
        var flat = new Dense(5, Activation.Relu).Call(new Flatten().Call(sum));
        var y = new Dense(3).Call(new Concatenate().Call(flat, new GlobalAveragePooling2D().Call(sum),
            new GlobalAveragePooling2D().Call(a), new Flatten().Call(pooled)));
        var model = new Functional(x, y);
        var calibration = Tensor.RandomUniform(new Shape(100, 8, 8, 3), -1f, 1f, new RandomGenerator(4));
        var quantized = Quantization.Quantize(model, calibration, new QuantizationOptions { Method = CalibrationMethod.Percentile });
        Assert.Single(quantized.Layers.OfType<QuantizedAdd>());
        var graph = quantized.LayerGraph!;
        var onBytes = QuantizedGraph.ValuesOnBytes(graph.Nodes, graph.Outputs);
        Assert.DoesNotContain(graph.Nodes.First(n => n.Layer is QuantizedConv2D).Output, onBytes);
        Assert.Contains(graph.Nodes.Single(n => n.Layer is QuantizedAdd).Output, onBytes);
        RunsOnBytesAsLayerByLayer(quantized, Tensor.RandomUniform(new Shape(17, 8, 8, 3), -1f, 1f, new RandomGenerator(5)));
    }

    [Fact]
    public void AnAddOfFloatBranchesStaysFloat()
    {
        // An Add whose input comes straight from the model's input (not from an int8 layer) gains nothing in int8.
        RandomGenerator.SetGlobalSeed(4);
        var x = Model.Input([6]);
        var h = new Dense(6, Activation.Relu).Call(x);
        var model = new Functional(x, new Dense(2).Call(new Add().Call(x, h)));
        var quantized = Quantization.Quantize(model, Tensor.RandomUniform(new Shape(50, 6), 0f, 1f, new RandomGenerator(1)));
        Assert.Single(quantized.Layers.OfType<Add>());
        Assert.Empty(quantized.Layers.OfType<QuantizedAdd>());
        RunsOnBytesAsLayerByLayer(quantized, Tensor.RandomUniform(new Shape(9, 6), 0f, 1f, new RandomGenerator(2)));
    }

    [Fact]
    public void TheLayerAddsOnItsGridsAndRefusesBadOnes()
    {
        var add = new QuantizedAdd(Activation.Relu, "qadd");
        var a = Tensor.FromArray([0.5f, -1f, 2f, 0f, 10f], new Shape(1, 5));
        var b = Tensor.FromArray([0.3f, -0.5f, -3f, 0f, 10f], new Shape(1, 5));
        add.Call([a, b]);
        add.Assign((0.02f, 128), (0.03f, 120), (0.04f, 0));
        var y = add.Call([a, b]).ToArray();
        // On the grids: 0.5 + 0.3 = 0.8 (20 steps of 0.04); −1 − 0.51 and 2 − 3 are negative: 0 (ReLU); 0 + 0 = 0;
        // 10 and 10 saturate their grids at 2.54 and 4.05: 6.59 is 164.75 steps → 165.
        Assert.Equal([20 * 0.04f, 0f, 0f, 0f, 165 * 0.04f], y);
        Assert.Throws<ArgumentException>(() => new QuantizedAdd(Activation.Tanh));
        var three = Assert.Throws<ArgumentException>(() => new QuantizedAdd().Call([a, b, a]));
        Assert.Contains("exactly 2 inputs", three.Message);
        var scale = Assert.Throws<ArgumentException>(() => add.Assign((0f, 0), (1f, 0), (1f, 0)));
        Assert.Contains("qadd", scale.Message);
        var small = Assert.Throws<ArgumentException>(() => add.Assign((1f, 0), (1f, 0), (1e-7f, 0)));
        Assert.Contains("too small", small.Message);
    }

    [Theory]
    [InlineData("input_scale", "zero", "holds scale 0 at index 0")]
    [InlineData("output_scale", "nan", "holds scale NaN at index 0")]
    [InlineData("input_zero_point", "f32", "file has F32, model needs U8")]
    public void HostileQuantizedAddFilesAreRefused(string weight, string change, string message)
    {
        using var folder = new TempFolder();
        var quantized = Quantization.Quantize(TwoBlocks(), QuantizationTestModels.Images(16, 11));
        string path = Path.Combine(folder.Path, "int8.safetensors");
        quantized.Save(path);
        var file = SafetensorsFile.Load(path);
        string tensor = quantized.Layers.OfType<QuantizedAdd>().First().Name + "/" + weight;
        Assert.True(file.TryGet(tensor, out var entry));
        Assert.Equal(weight.EndsWith("zero_point", StringComparison.Ordinal) ? SafetensorsDType.U8 : SafetensorsDType.F32, entry.DType);
        var shape = entry.Shape.ToArray();
        var bytes = entry.Data.ToArray();
        if (change == "zero") BitConverter.GetBytes(0f).CopyTo(bytes, 0);
        if (change == "nan") BitConverter.GetBytes(float.NaN).CopyTo(bytes, 0);
        file.Add(change == "f32"
            ? new SafetensorsEntry(tensor, SafetensorsDType.F32, shape, new byte[bytes.Length * 4])
            : new SafetensorsEntry(tensor, entry.DType, shape, bytes));
        FileChecksum.Sign(file);
        file.Save(path);
        var error = Assert.ThrowsAny<DeepSharpException>(() => Model.Load(path));
        Assert.Contains(message, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void GridsThatCannotAddInFixedPointAreRefusedAtLoad()
    {
        // A file whose output scale is far below its inputs' (legal numbers, but no 31-bit multiplier holds the ratio).
        using var folder = new TempFolder();
        var quantized = Quantization.Quantize(TwoBlocks(), QuantizationTestModels.Images(16, 11));
        string path = Path.Combine(folder.Path, "int8.safetensors");
        quantized.Save(path);
        var file = SafetensorsFile.Load(path);
        string name = quantized.Layers.OfType<QuantizedAdd>().First().Name;
        Assert.True(file.TryGet(name + "/output_scale", out var entry));
        file.Add(new SafetensorsEntry(entry.Name, entry.DType, entry.Shape.ToArray(), BitConverter.GetBytes(1e-12f)));
        FileChecksum.Sign(file);
        file.Save(path);
        // Refused when the file loads (QuantizedGrids), naming the file and the layer; it used to load and throw InvalidOperationException at Predict.
        var error = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains(name, error.Message);
        Assert.Contains("int8.safetensors", error.Message);
        Assert.Contains("too small", error.Message);
    }
}

using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>The int8 Concatenate of a quantized functional model: one grid for every input, joined on bytes.</summary>
public class QuantizedConcatenateTests
{
    /// <summary>Conv2D ReLU (a) → Conv2D ReLU (b) → Concatenate(a, b) → Conv2D ReLU → MaxPool → Flatten → Dense logits.</summary>
    internal static Model Branches(int seed = 8)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var x = Model.Input([10, 10, 2]);
        var a = new Conv2D(6, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(4, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(a);
        var c = new Conv2D(8, (3, 3), activation: Activation.Relu).Call(new Concatenate().Call(a, b));
        var y = new Dense(4).Call(new Flatten().Call(new MaxPooling2D((2, 2)).Call(c)));
        return new Functional(x, y, "branches");
    }

    [Fact]
    public void BranchesJoinOnBytesWithTheBitsOfTheLayerByLayerPathAndRoundTrip()
    {
        var model = Branches();
        var quantized = Quantization.Quantize(model, QuantizationTestModels.Images(200, 11));
        var join = Assert.Single(quantized.Layers.OfType<QuantizedConcatenate>());
        var next = quantized.Layers.OfType<QuantizedConv2D>().Last();
        Assert.Equal(next.InputScale, join.OutputScale); // the joined value is written on the grid its reader takes
        Assert.Equal(next.InputZeroPoint, join.OutputZeroPoint);
        var graph = quantized.LayerGraph!;
        var onBytes = QuantizedGraph.ValuesOnBytes(graph.Nodes, graph.Outputs);
        var bytes = graph.Nodes.Where(n => n.Layer is not InputLayer && onBytes.Contains(n.Output)).Select(n => n.Layer.TypeName).ToArray();
        // a is read by b on its own grid and by the join on the join's: it stays float; b, read only by the join, writes bytes on its grid.
        Assert.Equal(["QuantizedConv2D", "QuantizedConcatenate", "QuantizedConv2D", "MaxPooling2D", "Flatten"], bytes);
        Assert.DoesNotContain(graph.Nodes.First(n => n.Layer is QuantizedConv2D).Output, onBytes);
        Assert.Contains("int8 concatenate", Quantization.Describe(quantized));

        var test = QuantizationTestModels.Images(40, 12);
        Tensor[]? viaBytes;
        Tensor layerByLayer;
        using (NoGrad.Scope())
        {
            viaBytes = QuantizedGraph.TryRun(graph.Nodes, graph.Inputs, graph.Outputs, [test]);
            layerByLayer = quantized.Call([test])[0];
        }
        Assert.NotNull(viaBytes);
        var actual = quantized.Predict(test).ToArray();
        Assert.Equal(layerByLayer.ToArray(), viaBytes[0].ToArray());
        Assert.Equal(layerByLayer.ToArray(), actual);

        var expected = model.Predict(test).ToArray();
        float largest = expected.Max(Math.Abs);
        double meanError = 0;
        for (int i = 0; i < expected.Length; i++) meanError += Math.Abs(expected[i] - actual[i]) / expected.Length;
        Assert.True(meanError <= 0.02 * largest, $"mean error {meanError} (largest output {largest})");

        using var folder = new TempFolder();
        string path = folder.File("branches-int8.safetensors");
        quantized.Save(path);
        Assert.Equal(actual, Model.Load(path).Predict(test).ToArray());

        // ONNX Runtime on the QDQ export: within a few steps of the last layer's input grid.
        var onnx = OnnxRunner.Run(quantized, [test])[0];
        var last = quantized.Layers.OfType<QuantizedDense>().Last();
        float step = last.InputScale * last.Parameters.First(p => p.Name == "kernel_scale").Value.ToArray().Max() * 127f;
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - onnx[i]) <= 4 * step + 1e-5f * Math.Abs(actual[i]), $"output {i}: Predict {actual[i]}, ONNX Runtime {onnx[i]} (step {step})");

        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantizedConcatenate(0));
    }
}

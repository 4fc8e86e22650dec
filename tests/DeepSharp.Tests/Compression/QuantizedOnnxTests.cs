using DeepSharp.Compression;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>QDQ export of quantized models, run in ONNX Runtime against Predict.</summary>
public class QuantizedOnnxTests
{
    /// <summary>Quantized models for OnnxExportTests.EveryRegisteredLayerTypeExports.</summary>
    public static IEnumerable<Model> Samples() =>
        [Quantization.Quantize(QuantizationTestModels.Cnn(), QuantizationTestModels.Images(32, 11)),
         Quantization.Quantize(QuantizedConv1DTests.Model1D(), QuantizedConv1DTests.Signals(32, 11)),
         Quantization.Quantize(QuantizedAddTests.TwoBlocks(), QuantizationTestModels.Images(32, 11)),
         Quantization.Quantize(QuantizedConcatenateTests.Branches(), QuantizationTestModels.Images(32, 11))];

    [Fact]
    public void OnnxRuntimeMatchesPredictWithinOneQuantizationStep()
    {
        var quantized = Quantization.Quantize(QuantizationTestModels.Cnn(), QuantizationTestModels.Images(200, 11));
        var x = QuantizationTestModels.Images(50, 14);
        var want = quantized.Predict(x).ToArray();
        var actual = OnnxRunner.Run(quantized, [x])[0];
        Assert.Equal(want.Length, actual.Length);
        // The last layer's input step times the sum of |kernel| of a channel bounds what one step of
        // difference in one input moves an output; ONNX Runtime's float sums round differently, so an
        // input on a rounding boundary may land one step away.
        var last = (DeepSharp.Nn.Layers.QuantizedDense)quantized.Layers[^1];
        float step = last.InputScale * last.Parameters.First(p => p.Name == "kernel_scale").Value.ToArray().Max() * 127f;
        int exact = 0;
        for (int i = 0; i < want.Length; i++)
        {
            float diff = Math.Abs(want[i] - actual[i]);
            Assert.True(diff <= 4 * step + 1e-5f * Math.Abs(want[i]), $"output {i}: Predict {want[i]}, ONNX Runtime {actual[i]} (step {step})");
            if (diff <= 1e-4f * Math.Abs(want[i]) + 1e-5f) exact++;
        }
        Assert.True(exact >= want.Length * 9 / 10, $"{exact} of {want.Length} outputs agree to float rounding");
    }

    [Fact]
    public void TheGraphHoldsInt8KernelsAndQdqNodes()
    {
        var quantized = Quantization.Quantize(QuantizationTestModels.Cnn(), QuantizationTestModels.Images(16, 11));
        using var folder = new TempFolder();
        string path = folder.File("q.onnx");
        quantized.ExportOnnx(path);
        var model = DeepSharp.Serialization.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var ops = model.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(4, ops.Count(o => o == "QuantizeLinear"));
        Assert.Equal(8, ops.Count(o => o == "DequantizeLinear"));
        var kernel = model.Graph.Initializer.Single(t => t.Name == "conv2d/kernel");
        Assert.Equal((int)DeepSharp.Serialization.Onnx.Proto.TensorProto.Types.DataType.Int8, kernel.DataType);
        Assert.Equal(new long[] { 8, 2, 3, 3 }, kernel.Dims.ToArray());
        Assert.Equal((int)DeepSharp.Serialization.Onnx.Proto.TensorProto.Types.DataType.Uint8, model.Graph.Initializer.Single(t => t.Name == "dense/input_zero_point").DataType);
    }
}

using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>Int8 Conv1D: quantized on the int8 convolution kernels, chained on bytes, saved, exported as QDQ and trained aware of quantization.</summary>
public class QuantizedConv1DTests
{
    /// <summary>Conv1D same (ReLU) → MaxPool1D → Conv1D strided (linear) → Conv1D dilated (ReLU) → Flatten → Dense logits.</summary>
    internal static Sequential Model1D(int seed = 4)
    {
        RandomGenerator.SetGlobalSeed(seed);
        return new Sequential(
            new Conv1D(8, 5, padding: Padding.Same, activation: Activation.Relu, inputShape: [23, 3]),
            new MaxPooling1D(2),
            new Conv1D(6, 3, strides: 2),
            new Conv1D(5, 2, dilationRate: 2, activation: Activation.Relu, padding: Padding.Same),
            new Flatten(),
            new Dense(4));
    }

    /// <summary>Signals in [−1, 1).</summary>
    internal static Tensor Signals(int samples, int seed) =>
        Tensor.RandomUniform(new Shape(samples, 23, 3), -1f, 1f, new RandomGenerator(seed));

    [Fact]
    public void EveryConv1DComputesInInt8CloseToFloat()
    {
        var model = Model1D();
        var quantized = Quantization.Quantize(model, Signals(200, 1));
        Assert.Equal(3, quantized.Layers.Count(l => l is QuantizedConv1D));
        Assert.Contains("4 of 6 layers compute in int8.", Quantization.Describe(quantized));
        Assert.Equal(5, QuantizedChain.ChainEnd(quantized.Layers, 0)); // the whole model runs on bytes

        var x = Signals(64, 2);
        var expected = model.Predict(x).ToArray();
        var actual = quantized.Predict(x).ToArray();
        float largest = expected.Max(Math.Abs);
        double meanError = 0;
        for (int i = 0; i < expected.Length; i++) meanError += Math.Abs(expected[i] - actual[i]) / expected.Length;
        Assert.True(meanError <= 0.03 * largest, $"mean error {meanError} (largest output {largest})");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    public void TheByteChainGivesTheBitsOfLayerByLayer(int batch)
    {
        var quantized = Quantization.Quantize(Model1D(), Signals(100, 1));
        var x = Signals(batch, 3);
        using var noGrad = NoGrad.Scope();
        var h = x;
        foreach (var layer in quantized.Layers) h = layer.Call(h, training: false);
        Assert.Equal(h.ToArray(), quantized.Predict(x).ToArray());
    }

    [Fact]
    public void TheLayerMatchesTheNaiveConvolutionOfHeightOne()
    {
        var quantized = Quantization.Quantize(Model1D(), Signals(100, 1));
        var conv = (QuantizedConv1D)quantized.Layers[0];
        var x = Signals(5, 6);
        using var noGrad = NoGrad.Scope();
        var y = conv.Call(x, training: false).ToArray();
        var kernel = conv.Parameters.First(p => p.Name == "kernel").Value.ToArray().Select(v => (sbyte)v).ToArray();
        var (_, output) = conv.Weights.Prepared(5 * 3, 8, relu: true);
        var g = Conv2DGeometry.Create(5, 1, 23, 3, 8, 1, 5, 1, 1, samePadding: true);
        var want = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, x.Span, kernel, output, want);
        Assert.Equal(want, y);
    }

    [Fact]
    public void AFileRoundTripsBitExactAndOnnxRuntimeMatchesPredict()
    {
        var quantized = Quantization.Quantize(Model1D(), Signals(200, 1), new QuantizationOptions { Method = CalibrationMethod.Percentile });
        var x = Signals(40, 7);
        var want = quantized.Predict(x).ToArray();
        using var folder = new TempFolder();
        string path = folder.File("conv1d-int8.safetensors");
        quantized.Save(path);
        Assert.Equal(DeepSharp.Serialization.SafetensorsDType.I8,
            DeepSharp.Serialization.SafetensorsFile.Load(path).Entries.Single(e => e.Name == quantized.Layers[2].Name + "/kernel").DType);
        var loaded = Model.Load(path);
        Assert.IsType<QuantizedConv1D>(loaded.Layers[0]);
        Assert.Equal(want, loaded.Predict(x).ToArray());

        var actual = OnnxRunner.Run(quantized, [x])[0];
        Assert.Equal(want.Length, actual.Length);
        // As QuantizedOnnxTests: an input on a rounding boundary may land one step away in ONNX Runtime.
        var last = (QuantizedDense)quantized.Layers[^1];
        float step = last.InputScale * last.Parameters.First(p => p.Name == "kernel_scale").Value.ToArray().Max() * 127f;
        int exact = 0;
        for (int i = 0; i < want.Length; i++)
        {
            float diff = Math.Abs(want[i] - actual[i]);
            Assert.True(diff <= 4 * step + 1e-5f * Math.Abs(want[i]), $"output {i}: Predict {want[i]}, ONNX Runtime {actual[i]} (step {step})");
            if (diff <= 1e-4f * Math.Abs(want[i]) + 1e-5f) exact++;
        }
        Assert.True(exact >= want.Length * 8 / 10, $"{exact} of {want.Length} outputs agree to float rounding");
    }

    [Fact]
    public void QuantizationAwareTrainingConvertsConv1DToInt8()
    {
        var model = Model1D();
        var prepared = Quantization.PrepareForTraining(model);
        var x = Signals(64, 8);
        var labels = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (float)(i % 4)).ToArray(), new Shape(64));
        prepared.Compile(new Adam(1e-3f), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        prepared.Fit(x, labels, batchSize: 16, epochs: 1, verbose: 0);
        var converted = Quantization.Convert(prepared);
        Assert.Equal(3, converted.Layers.Count(l => l is QuantizedConv1D));
        // The converted model computes what the fake-quantized one does, up to the order of float sums.
        var fake = prepared.Predict(x).ToArray();
        var real = converted.Predict(x).ToArray();
        float largest = fake.Max(Math.Abs);
        for (int i = 0; i < fake.Length; i++)
            Assert.True(Math.Abs(fake[i] - real[i]) <= 0.05f * largest, $"output {i}: fake-quantized {fake[i]}, int8 {real[i]}");
    }
}

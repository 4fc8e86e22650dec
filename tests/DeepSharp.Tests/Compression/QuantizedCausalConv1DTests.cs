using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>
/// Int8 Conv1D with padding "causal": the dilation·(k − 1) steps before each sequence read the input's zero
/// point (0.0 exactly), so the layer equals the naive int8 convolution of the explicitly zero-padded input
/// ('valid'), stays within the quantization error bound of the float layer, chains on bytes, saves and
/// reloads bit-exact, and exports as a QDQ Conv that ONNX Runtime runs.
/// </summary>
public class QuantizedCausalConv1DTests
{
    /// <summary>A WaveNet-like stack: causal dilations 1 and 2, then a strided causal layer, then a Dense head.</summary>
    private static Sequential CausalModel()
    {
        RandomGenerator.SetGlobalSeed(12);
        return new Sequential(
            new Conv1D(8, 3, padding: "causal", activation: "relu", inputShape: [19, 2]),
            new Conv1D(6, 2, padding: "causal", dilationRate: 2, activation: "relu"),
            new Conv1D(5, 3, strides: 2, padding: "causal"), // Keras refuses strides > 1 with dilation > 1
            new Flatten(),
            new Dense(3));
    }

    private static Tensor Signals(int samples, int seed) =>
        Tensor.RandomUniform(new Shape(samples, 19, 2), -1f, 1f, new RandomGenerator(seed));

    [Fact]
    public void EveryCausalConv1DBecomesInt8AndChainsOnBytes()
    {
        var quantized = Quantization.Quantize(CausalModel(), Signals(100, 1));
        var convs = quantized.Layers.OfType<QuantizedConv1D>().ToArray();
        Assert.Equal(3, convs.Length);
        Assert.All(convs, c => Assert.Equal(Padding.Causal, c.Padding));
        Assert.Equal(new Shape(10, 5), convs[2].ComputeOutputShape(new Shape(19, 6))); // ⌈19/2⌉ steps, as the float layer
        Assert.Contains("4 of 5 layers compute in int8.", Quantization.Describe(quantized));
        var x = Signals(9, 3);
        using var noGrad = NoGrad.Scope();
        var h = x;
        foreach (var layer in quantized.Layers) h = layer.Call(h, training: false);
        Assert.Equal(h.ToArray(), quantized.Predict(x).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TheLayerEqualsTheNaiveConvolutionOfTheZeroPaddedInput(int index)
    {
        var model = CausalModel();
        var quantized = Quantization.Quantize(model, Signals(100, 1));
        var conv = (QuantizedConv1D)quantized.Layers[index];
        using var noGrad = NoGrad.Scope();
        var x = Signals(4, 6);
        for (int i = 0; i < index; i++) x = model.Layers[i].Call(x, training: false);
        int steps = x.Shape[1], cin = x.Shape[2], pad = conv.DilationRate * (conv.KernelSize - 1);
        var y = conv.Call(x, training: false).ToArray();

        // The causal padding written out: pad zeros before each sequence, then a 'valid' convolution.
        var padded = new float[4 * (steps + pad) * cin];
        var xs = x.ToArray();
        for (int n = 0; n < 4; n++)
            Array.Copy(xs, n * steps * cin, padded, (n * (steps + pad) + pad) * cin, steps * cin);
        var kernel = conv.Parameters.First(p => p.Name == "kernel").Value.ToArray().Select(v => (sbyte)v).ToArray();
        var (_, output) = conv.Weights.Prepared(conv.KernelSize * cin, conv.Filters, relu: conv.Activation == Activation.Relu);
        var g = Conv2DGeometry.Create(4, 1, steps + pad, cin, conv.Filters, 1, conv.KernelSize, 1, conv.Strides, samePadding: false, 1, conv.DilationRate);
        var want = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, padded, kernel, output, want);
        Assert.Equal(want, y);
    }

    [Fact]
    public void TheLayerIsWithinTheQuantizationErrorOfTheFloatLayer()
    {
        var model = CausalModel();
        var quantized = Quantization.Quantize(model, Signals(200, 1));
        var floatConv = (Conv1D)model.Layers[1];
        var conv = (QuantizedConv1D)quantized.Layers[1];
        using var noGrad = NoGrad.Scope();
        var x = model.Layers[0].Call(Signals(6, 1), training: false); // calibration samples: inside the min-max range
        var expected = floatConv.Call(x, training: false).ToArray();
        var actual = conv.Call(x, training: false).ToArray();

        // Per output: |Δ| ≤ Σ_taps (|w|·s_x/2 + |x|·s_w/2 + s_x·s_w/4) (input rounded to its grid, weight to its
        // channel's), plus float rounding. ReLU is 1-Lipschitz, so the bound holds after it too.
        var w = floatConv.Parameters.First(p => p.Name == "kernel").Value.ToArray();
        var scales = conv.Parameters.First(p => p.Name == "kernel_scale").Value.ToArray();
        float sx = conv.InputScale;
        int steps = x.Shape[1], cin = x.Shape[2], k = conv.KernelSize, d = conv.DilationRate, f = conv.Filters;
        var xs = x.ToArray();
        for (int n = 0; n < 6; n++)
            for (int t = 0; t < steps; t++)
                for (int o = 0; o < f; o++)
                {
                    double bound = 1e-5;
                    for (int tap = 0; tap < k; tap++)
                    {
                        int s = t - d * (k - 1 - tap);
                        for (int c = 0; c < cin; c++)
                        {
                            double xv = s < 0 ? 0 : xs[(n * steps + s) * cin + c];
                            double wv = w[(tap * cin + c) * f + o];
                            bound += Math.Abs(wv) * sx / 2 + Math.Abs(xv) * scales[o] / 2 + sx * scales[o] / 4;
                        }
                    }
                    int i = (n * steps + t) * f + o;
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= bound, $"sample {n} step {t} filter {o}: int8 {actual[i]}, float {expected[i]}, bound {bound}");
                }
    }

    [Fact]
    public void AFileRoundTripsBitExactAndOnnxRuntimeMatchesPredict()
    {
        var quantized = Quantization.Quantize(CausalModel(), Signals(200, 1));
        var x = Signals(30, 7);
        var want = quantized.Predict(x).ToArray();
        using var folder = new TempFolder();
        string path = folder.File("causal-int8.safetensors");
        quantized.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(Padding.Causal, ((QuantizedConv1D)loaded.Layers[0]).Padding);
        Assert.Equal(want, loaded.Predict(x).ToArray());

        var actual = OnnxRunner.Run(quantized, [x])[0];
        Assert.Equal(want.Length, actual.Length);
        // As QuantizedConv1DTests: an input on a rounding boundary may land one step away in ONNX Runtime.
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
}

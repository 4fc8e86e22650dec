using System.Text;
using DeepSharp.Compression;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

public class QuantizationTests
{
    [Fact]
    public void KernelQuantizationErrorIsWithinHalfAStepPerChannel()
    {
        var w = Tensor.RandomUniform(new Shape(7, 5), -2f, 2f, new RandomGenerator(1)).ToArray();
        for (int i = 0; i < 7; i++) w[i * 5 + 3] = 0f;   // a zero channel
        w[2 * 5 + 1] = 9f;                                 // a channel with one large weight
        var (q, scales) = Quantization.QuantizeKernel(w, 5);
        Assert.Equal(1f, scales[3]);
        Assert.Equal(9f / 127f, scales[1]);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.InRange(q[i], -127, 127);
            Assert.True(Math.Abs(q[i] * scales[i % 5] - w[i]) <= scales[i % 5] / 2 * 1.0001f, $"weight {i}: {w[i]} → {q[i]} · {scales[i % 5]}");
        }
        Assert.Equal(127, q[2 * 5 + 1]);
        Assert.Throws<ArgumentException>(() => Quantization.QuantizeKernel([1f, float.NaN], 2));
    }

    [Fact]
    public void CalibrationMethodsOnAKnownDistribution()
    {
        // 100,000 values uniform in [0, 1] and one outlier at 100: MinMax keeps the outlier,
        // Percentile and MSE clip it and give the bulk a far finer step.
        var values = Tensor.RandomUniform(new Shape(100_000), 0f, 1f, new RandomGenerator(5)).ToArray();
        values[1234] = 100f;
        (float Scale, int ZeroPoint) Choose(CalibrationMethod method)
        {
            var range = new ActivationRange(1_000_000, seed: 1);
            range.Observe(values);
            return range.Choose(new QuantizationOptions { Method = method, Percentile = 99.9 });
        }
        var minMax = Choose(CalibrationMethod.MinMax);
        Assert.Equal(100f / 255f, minMax.Scale, 1e-6f);
        Assert.Equal(0, minMax.ZeroPoint);
        var percentile = Choose(CalibrationMethod.Percentile);
        Assert.InRange(percentile.Scale * 255f, 0.99f, 1.01f);
        // MSE keeps most of this outlier's range (clipping it to 1 would cost 99² alone) and never
        // does worse than MinMax; on an exponential distribution it clips the sparse tail.
        var outlierMse = Choose(CalibrationMethod.Mse);
        Assert.InRange(outlierMse.Scale * 255f, 50f, 100f);
        Assert.True(ActivationRange.SquaredError(values, outlierMse.Scale, 0) <= ActivationRange.SquaredError(values, minMax.Scale, 0));
        var rng = new Random(9);
        values = new float[100_000];
        for (int i = 0; i < values.Length; i++) values[i] = -MathF.Log(1f - (float)rng.NextDouble());
        var wide = Choose(CalibrationMethod.MinMax);
        var mse = Choose(CalibrationMethod.Mse);
        Assert.True(mse.Scale < wide.Scale * 0.95f, $"MSE scale {mse.Scale}, MinMax {wide.Scale}");
        Assert.True(ActivationRange.SquaredError(values, mse.Scale, mse.ZeroPoint) < ActivationRange.SquaredError(values, wide.Scale, wide.ZeroPoint));

        // Signed data: the zero point sits where 0.0 falls, and 0.0 is exact.
        var (scale, zeroPoint) = ActivationRange.Affine(-1f, 3f);
        Assert.Equal(4f / 255f, scale, 1e-7f);
        Assert.Equal(64, zeroPoint);
        Assert.Equal((1f, 0), ActivationRange.Affine(0f, 0f));
    }

    [Fact]
    public void QuantizedModelPredictsCloseToFloatAndDescribesItsLayers()
    {
        var model = QuantizationTestModels.Cnn();
        var calibration = QuantizationTestModels.Images(200, 11);
        var test = QuantizationTestModels.Images(100, 12);
        var quantized = Quantization.Quantize(model, calibration);

        Assert.IsType<QuantizedConv2D>(quantized.Layers[0]);
        Assert.IsType<MaxPooling2D>(quantized.Layers[1]);
        Assert.IsType<QuantizedConv2D>(quantized.Layers[2]);
        Assert.IsType<QuantizedDense>(quantized.Layers[4]);
        Assert.Equal(0, ((QuantizedConv2D)quantized.Layers[0]).InputZeroPoint); // inputs ≥ 0
        Assert.True(((QuantizedConv2D)quantized.Layers[2]).InputScale > 0f);

        var expected = model.Predict(test).ToArray();
        var actual = quantized.Predict(test).ToArray();
        float largest = expected.Max(Math.Abs);
        int agree = 0;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.03f * largest, $"output {i}: float {expected[i]}, int8 {actual[i]} (largest {largest})");
        for (int s = 0; s < 100; s++)
            if (ArgMax(expected, s) == ArgMax(actual, s)) agree++;
        Assert.True(agree >= 95, $"{agree} of 100 predictions agree");

        string text = Quantization.Describe(quantized);
        Assert.Contains("conv2d ", text);
        Assert.Contains("QuantizedConv2D    int8", text);
        Assert.Contains("MaxPooling2D       u8 (runs on the bytes between int8 layers)", text);
        Assert.Contains("4 of 6 layers compute in int8.", text);
    }

    [Fact]
    public void AllCalibrationMethodsGiveAWorkingModel()
    {
        var model = QuantizationTestModels.Cnn();
        var calibration = QuantizationTestModels.Images(64, 11);
        var test = QuantizationTestModels.Images(32, 12);
        var expected = model.Predict(test).ToArray();
        foreach (var method in Enum.GetValues<CalibrationMethod>())
        {
            var quantized = Quantization.Quantize(model, calibration, new QuantizationOptions { Method = method, BatchSize = 17 });
            var actual = quantized.Predict(test).ToArray();
            float largest = expected.Max(Math.Abs);
            // Entropy calibration clips hard (its threshold can fall to 255/2048 of the largest value),
            // so it is held to the predictions rather than to every output.
            if (method == CalibrationMethod.Entropy)
            {
                int agree = 0;
                for (int s = 0; s < 32; s++)
                    if (ArgMax(expected, s) == ArgMax(actual, s)) agree++;
                Assert.True(agree >= 24, $"Entropy: {agree} of 32 predictions agree");
                continue;
            }
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.05f * largest, $"{method} output {i}: float {expected[i]}, int8 {actual[i]}");
        }
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        var model = QuantizationTestModels.Cnn();
        var error = Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, Tensor.Zeros(4, 10, 10, 3)));
        Assert.Contains("(4, 10, 10, 3)", error.Message);
        Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, Tensor.Zeros(0, 10, 10, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantization.Quantize(model, Tensor.Zeros(2, 10, 10, 2), new QuantizationOptions { Percentile = 10 }));
    }

    [Fact]
    public void QuantizedFileHoldsInt8AndLoadsBackBitExact()
    {
        using var folder = new TempFolder();
        var model = QuantizationTestModels.Cnn();
        var quantized = Quantization.Quantize(model, QuantizationTestModels.Images(64, 11));
        string floatPath = Path.Combine(folder.Path, "float.safetensors"), path = Path.Combine(folder.Path, "int8.safetensors");
        model.Save(floatPath);
        quantized.Save(path);

        var file = SafetensorsFile.Load(path);
        Assert.True(file.TryGet("conv2d/kernel", out var kernel));
        Assert.Equal(SafetensorsDType.I8, kernel.DType);
        Assert.Equal(SafetensorsDType.U8, file.Entries.Single(e => e.Name == "dense/input_zero_point").DType);
        Assert.Equal(SafetensorsDType.F32, file.Entries.Single(e => e.Name == "dense/kernel_scale").DType);
        long DataBytes(string p) => SafetensorsFile.Load(p).Entries.Sum(e => (long)e.Data.Length);
        Assert.True(DataBytes(path) < DataBytes(floatPath) * 0.35, $"{DataBytes(path)} bytes of int8 data, {DataBytes(floatPath)} of float");

        var loaded = Model.Load(path);
        Assert.IsType<QuantizedDense>(loaded.Layers[4]);
        var test = QuantizationTestModels.Images(20, 13);
        Assert.Equal(quantized.Predict(test).ToArray(), loaded.Predict(test).ToArray());
    }

    [Theory]
    [InlineData("dense/kernel_scale", "zero", "holds scale 0 at channel 0")]
    [InlineData("dense/kernel_scale", "nan", "holds scale NaN at channel 0")]
    [InlineData("conv2d/input_scale", "negative", "holds scale -1 at index 0")]
    [InlineData("conv2d/kernel", "minus128", "holds -128 at 0")]
    [InlineData("conv2d/kernel", "f32", "conv2d/kernel: file has F32, model needs I8")]
    [InlineData("dense/input_zero_point", "f32", "dense/input_zero_point: file has F32, model needs U8")]
    public void HostileQuantizedFilesAreRefused(string tensor, string change, string message)
    {
        using var folder = new TempFolder();
        var quantized = Quantization.Quantize(QuantizationTestModels.Cnn(), QuantizationTestModels.Images(16, 11));
        string path = Path.Combine(folder.Path, "int8.safetensors");
        quantized.Save(path);
        var file = SafetensorsFile.Load(path);
        Assert.True(file.TryGet(tensor, out var entry));
        var shape = entry.Shape.ToArray();
        var bytes = entry.Data.ToArray();
        switch (change)
        {
            case "zero": BitConverter.GetBytes(0f).CopyTo(bytes, 0); break;
            case "nan": BitConverter.GetBytes(float.NaN).CopyTo(bytes, 0); break;
            case "negative": BitConverter.GetBytes(-1f).CopyTo(bytes, 0); break;
            case "minus128": bytes[0] = 0x80; break;
        }
        file.Add(change == "f32"
            ? new SafetensorsEntry(tensor, SafetensorsDType.F32, shape, new byte[bytes.Length * 4])
            : new SafetensorsEntry(tensor, entry.DType, shape, bytes));
        FileChecksum.Sign(file);
        file.Save(path);
        var error = Assert.ThrowsAny<DeepSharpException>(() => Model.Load(path));
        Assert.Contains(message, error.Message);
        Assert.Contains(path, error.Message);
    }

    private static int ArgMax(float[] rows, int row)
    {
        int best = 0;
        for (int j = 1; j < 4; j++) if (rows[row * 4 + j] > rows[row * 4 + best]) best = j;
        return best;
    }
}

using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// ConvLSTM1D/2D/3D against <see cref="ConvLstmReference"/> (plain loops from the formula): strides,
/// 'same' padding with even kernels, dilation, goBackwards, masks, initial and returned states; then
/// finite-difference gradients, Keras's weight names and parameter counts, and the errors.
/// </summary>
public class ConvLstmTests
{
    /// <summary>Builds the layer, fills its weights with small random values and returns them flattened (kernel, recurrent kernel, bias?).</summary>
    internal static float[][] FillWeights(ConvLstm layer, Shape inputShape, int seed)
    {
        layer.Build(inputShape);
        var values = new float[layer.Parameters.Count][];
        for (int k = 0; k < values.Length; k++)
        {
            var p = layer.Parameters[k].Value;
            values[k] = GradCheck.Random(seed + k, p.Shape.ToArray()).ToArray().Select(v => 0.6f * v).ToArray();
            values[k].CopyTo(p.Span);
        }
        return values;
    }

    /// <summary>The reference geometry of a layer: its sizes with leading 1s up to three spatial axes.</summary>
    private static ConvLstmReference.Geometry GeometryOf(ConvLstm layer, int[] spatial, int channels)
    {
        int pad = 3 - layer.Rank;
        int[] Lift(IEnumerable<int> v) => [.. Enumerable.Repeat(1, pad), .. v];
        int[] kernel = layer.GetConfig()["kernel_size"]!.AsArray().Select(n => (int)n!).ToArray();
        int[] strides = layer.GetConfig()["strides"]!.AsArray().Select(n => (int)n!).ToArray();
        int[] dilation = layer.GetConfig()["dilation_rate"]!.AsArray().Select(n => (int)n!).ToArray();
        return new(Lift(spatial), channels, Lift(kernel), Lift(strides), Lift(dilation), layer.Padding == Padding.Same, layer.Filters);
    }

    private static void AssertClose(ReadOnlySpan<float> actual, IReadOnlyList<double> expected, string what)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 2e-5 + 2e-5 * Math.Abs(expected[i]), $"{what}[{i}]: {actual[i]} vs reference {expected[i]}");
    }

    /// <summary>Runs the layer and the reference on the same inputs and compares the output (and states when returned).</summary>
    private static void Compare(ConvLstm layer, int batch, int time, int[] spatial, int channels, float[]? mask = null, bool initialStates = false)
    {
        var perSample = new Shape([time, .. spatial, channels]);
        var w = FillWeights(layer, perSample, 31);
        var x = GradCheck.Random(5, perSample.WithBatch(batch).ToArray());
        var g = GeometryOf(layer, spatial, channels);
        var stateShape = layer.ComputeOutputShapes(perSample)[1].WithBatch(batch);
        float[]? h0 = initialStates ? GradCheck.Random(8, stateShape.ToArray()).ToArray() : null;
        float[]? c0 = initialStates ? GradCheck.Random(9, stateShape.ToArray()).ToArray() : null;
        var maskTensor = mask is null ? null : Tensor.FromArray(mask, batch, time);
        Func<double, double>? activation = layer.Activation.Name == "relu" ? v => Math.Max(v, 0.0) : null;
        var (outputs, h, c) = ConvLstmReference.Run(g, x.ToArray(), batch, time, w[0], w[1], layer.UseBias ? w[2] : null,
            layer.GoBackwards, mask, layer.ZeroOutputForMask, h0, c0, activation);

        var states = initialStates ? new[] { Tensor.FromArray(h0!, stateShape), Tensor.FromArray(c0!, stateShape) } : null;
        var results = layer.CallWithState(x, maskTensor, states);
        var y = results[0];
        int pixels = outputs[0].Length / batch;
        if (layer.ReturnSequences)
        {
            Assert.Equal(new Shape([batch, time, .. stateShape.Dims[1..]]), y.Shape);
            var expected = new double[batch * time * pixels]; // (B, T, …) from per-step (B, …)
            for (int s = 0; s < time; s++)
                for (int b = 0; b < batch; b++)
                    Array.Copy(outputs[s], b * pixels, expected, (b * time + s) * pixels, pixels);
            AssertClose(y.Span, expected, "sequence");
        }
        else
        {
            Assert.Equal(stateShape, y.Shape);
            AssertClose(y.Span, outputs[^1], "output");
        }
        AssertClose(results[1].Span, h, "h");
        AssertClose(results[2].Span, c, "c");
        if (!layer.ReturnState && mask is null && !initialStates) AssertClose(layer.Call(x).Span, ((IReadOnlyList<float>)y.ToArray()).Select(v => (double)v).ToArray(), "Call");
    }

    [Fact]
    public void TwoDValidWithStridesMatchesTheFormula() =>
        Compare(new ConvLstm2D(3, (3, 2), strides: (2, 1), returnSequences: true), batch: 2, time: 3, spatial: [5, 4], channels: 2);

    [Fact]
    public void TwoDSameWithAnEvenKernelAndDilationGoingBackwards() =>
        Compare(new ConvLstm2D(2, (2, 3), padding: Padding.Same, dilationRate: (1, 2), goBackwards: true), batch: 2, time: 3, spatial: [4, 5], channels: 1);

    [Fact]
    public void TwoDSameStridedOnOddSizesWithReluAndNoBias() =>
        Compare(new ConvLstm2D(2, (3, 3), strides: (2, 2), padding: Padding.Same, activation: Activation.Relu, useBias: false, returnSequences: true),
            batch: 1, time: 2, spatial: [5, 6], channels: 2);

    [Fact]
    public void OneDMatchesTheFormula() =>
        Compare(new ConvLstm1D(2, 3, strides: 2, padding: Padding.Same, returnSequences: true, goBackwards: true), batch: 2, time: 3, spatial: [7], channels: 2);

    [Fact]
    public void ThreeDMatchesTheFormula() =>
        Compare(new ConvLstm3D(2, (2, 3, 2), returnSequences: true), batch: 1, time: 2, spatial: [3, 4, 3], channels: 2);

    [Fact]
    public void ThreeDSameWithStrides() =>
        Compare(new ConvLstm3D(1, (2, 2, 3), strides: (1, 2, 2), padding: Padding.Same), batch: 2, time: 2, spatial: [2, 3, 4], channels: 1);

    [Fact]
    public void MaskedStepsKeepTheStatesAndRepeatTheOutput() =>
        Compare(new ConvLstm2D(2, (2, 2), padding: Padding.Same, returnSequences: true, returnState: true), batch: 3, time: 4, spatial: [3, 3], channels: 2,
            mask: [1, 1, 0, 1, /**/ 0, 1, 1, 0, /**/ 0, 0, 0, 0]);

    [Fact]
    public void MaskedStepsOutputZerosWithZeroOutputForMaskGoingBackwards() =>
        Compare(new ConvLstm1D(2, 2, returnSequences: true, zeroOutputForMask: true, goBackwards: true), batch: 2, time: 3, spatial: [4], channels: 1,
            mask: [1, 0, 1, /**/ 1, 1, 0]);

    [Fact]
    public void InitialStatesAndReturnedStates() =>
        Compare(new ConvLstm2D(2, (3, 3), padding: Padding.Same, returnState: true), batch: 2, time: 2, spatial: [3, 4], channels: 1, initialStates: true);

    [Fact]
    public void InitialStatesWithAMaskAndLastOutput() =>
        Compare(new ConvLstm2D(2, (2, 2), returnState: true), batch: 2, time: 3, spatial: [3, 3], channels: 1, mask: [0, 1, 0, /**/ 1, 0, 0], initialStates: true);

    [Fact]
    public void GradientsMatchFiniteDifferences2D()
    {
        var layer = new ConvLstm2D(2, (2, 2), padding: Padding.Same, returnSequences: true);
        var perSample = new Shape(3, 3, 3, 2);
        var w = FillWeights(layer, perSample, 3);
        var x = GradCheck.Random(4, 2, 3, 3, 3, 2);
        GradCheck.Check(t => layer.Call(t[0]), [x, .. layer.Parameters.Select(p => p.Value)], epsilon: 1e-2f, maxElementsPerInput: 20);
        Assert.Equal(3, w.Length);
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesWithMaskStatesAndStrides()
    {
        var layer = new ConvLstm2D(2, (3, 2), strides: (2, 1), returnState: true, goBackwards: true);
        FillWeights(layer, new Shape(3, 5, 3, 1), 6);
        var x = GradCheck.Random(7, 2, 3, 5, 3, 1);
        var mask = Tensor.FromArray(new float[] { 1, 0, 1, 0, 1, 1 }, 2, 3);
        var h0 = GradCheck.Random(8, 2, 2, 2, 2);
        var c0 = GradCheck.Random(9, 2, 2, 2, 2);
        // The output, h and c in one tensor, so every path is checked.
        GradCheck.Check(t =>
        {
            var r = layer.CallWithState(t[0], mask, [t[1], t[2]]);
            return Ops.Concatenate([r[0], r[1], r[2]], axis: -1);
        }, [x, h0, c0, .. layer.Parameters.Select(p => p.Value)], epsilon: 1e-2f, maxElementsPerInput: 8);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences1DAnd3D()
    {
        var one = new ConvLstm1D(2, 3, padding: Padding.Same, dilationRate: 2, returnSequences: true);
        FillWeights(one, new Shape(3, 5, 2), 10);
        GradCheck.Check(t => one.Call(t[0]), [GradCheck.Random(11, 2, 3, 5, 2), .. one.Parameters.Select(p => p.Value)], epsilon: 1e-2f, maxElementsPerInput: 15);
        var three = new ConvLstm3D(1, (2, 2, 2), padding: Padding.Same);
        FillWeights(three, new Shape(2, 2, 3, 2, 1), 12);
        GradCheck.Check(t => three.Call(t[0]), [GradCheck.Random(13, 1, 2, 2, 3, 2, 1), .. three.Parameters.Select(p => p.Value)], epsilon: 1e-2f, maxElementsPerInput: 15);
    }

    [Fact]
    public void DropoutUsesFourMasksPerSequenceAndOnlyWhileTraining()
    {
        var layer = new ConvLstm2D(2, (2, 2), padding: Padding.Same, dropout: 0.5f, recurrentDropout: 0.5f, seed: 3, returnSequences: true);
        FillWeights(layer, new Shape(3, 3, 3, 2), 14);
        var x = GradCheck.Random(15, 2, 3, 3, 3, 2);
        var inference = layer.Call(x).ToArray();
        var trained = layer.Call(x, training: true);
        Assert.NotEqual(inference, trained.ToArray());
        Assert.All(trained.ToArray(), v => Assert.True(float.IsFinite(v)));
        // A twin with the same seed and weights draws the same masks.
        var twin = new ConvLstm2D(2, (2, 2), padding: Padding.Same, dropout: 0.5f, recurrentDropout: 0.5f, seed: 3, returnSequences: true);
        FillWeights(twin, new Shape(3, 3, 3, 2), 14);
        Assert.Equal(trained.ToArray(), twin.Call(x, training: true).ToArray());
        // Gradients flow through the dropped products.
        x.RequiresGrad = true;
        Ops.Sum(layer.Call(x, training: true)).Backward();
        Assert.All(layer.Parameters, p => Assert.NotNull(p.Value.Grad));
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void WeightsHaveKerasNamesShapesAndParameterCounts()
    {
        var layer = new ConvLstm2D(40, (3, 3), padding: Padding.Same, returnSequences: true);
        layer.Build(new Shape(10, 64, 64, 1));
        Assert.Equal("conv_lstm2d", layer.Name.Split('_')[0] + "_" + layer.Name.Split('_')[1]);
        Assert.Equal([$"{layer.Name}/conv_lstm_cell/kernel (3, 3, 1, 160)", $"{layer.Name}/conv_lstm_cell/recurrent_kernel (3, 3, 40, 160)",
            $"{layer.Name}/conv_lstm_cell/bias (160,)"], layer.Parameters.Select(p => p.ToString()));
        // Keras: 4·filters·(kh·kw·channels + kh·kw·filters + 1).
        Assert.Equal(4 * 40 * (3 * 3 * 1 + 3 * 3 * 40 + 1), layer.ParameterCount);
        Assert.Equal(59_200, layer.ParameterCount);
        Assert.Equal(new Shape(10, 64, 64, 40), layer.ComputeOutputShape(new Shape(10, 64, 64, 1)));

        var bias = layer.Parameters[2].Value.ToArray(); // unit_forget_bias: zeros, ones on f, zeros
        Assert.Equal(Enumerable.Repeat(0f, 40).Concat(Enumerable.Repeat(1f, 40)).Concat(Enumerable.Repeat(0f, 80)), bias);

        var one = new ConvLstm1D(4, 3, useBias: false, unitForgetBias: false);
        one.Build(new Shape(5, 9, 2));
        Assert.Equal(4 * 4 * (3 * 2 + 3 * 4), one.ParameterCount);
        Assert.Equal(new Shape(7, 4), one.ComputeOutputShape(new Shape(5, 9, 2)));
        var three = new ConvLstm3D(2, (1, 2, 3), strides: (1, 2, 2), returnSequences: true);
        three.Build(new Shape(4, 3, 5, 7, 3));
        Assert.Equal(4 * 2 * (6 * 3 + 6 * 2 + 1), three.ParameterCount);
        Assert.Equal(new Shape(4, 3, 2, 3, 2), three.ComputeOutputShape(new Shape(4, 3, 5, 7, 3)));
        Assert.Equal([new Shape(4, 3, 2, 3, 2), new Shape(3, 2, 3, 2), new Shape(3, 2, 3, 2)], three.ComputeOutputShapes(new Shape(4, 3, 5, 7, 3)));
    }

    [Fact]
    public void BadArgumentsAndShapesNameTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvLstm2D(0, (3, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvLstm2D(2, (0, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvLstm1D(2, 3, dropout: 1f));
        var both = Assert.Throws<ArgumentException>(() => new ConvLstm2D(2, (3, 3), strides: (2, 2), dilationRate: (2, 1)));
        Assert.Contains("ConvLSTM2D", both.Message);

        var layer = new ConvLstm2D(2, (3, 3), name: "clstm");
        var rank = Assert.Throws<ShapeMismatchException>(() => layer.Call(Tensor.Zeros(2, 3, 5, 5)));
        Assert.Contains("'clstm'", rank.Message);
        Assert.Contains("(None, 3, 5, 5)", rank.Message);
        layer.Build(new Shape(3, 5, 5, 1));
        var channels = Assert.Throws<ShapeMismatchException>(() => layer.Call(Tensor.Zeros(2, 3, 5, 5, 4)));
        Assert.Contains("'clstm'", channels.Message);
        Assert.Contains("(None, 3, 5, 5, 4)", channels.Message);
        var other = Assert.Throws<ShapeMismatchException>(() => layer.Call(Tensor.Zeros(2, 3, 2, 5, 1)));
        Assert.Contains("'clstm'", other.Message);
        var small = Assert.Throws<ShapeMismatchException>(() => new ConvLstm2D(2, (3, 3), name: "tiny").Call(Tensor.Zeros(2, 3, 2, 5, 1)));
        Assert.Contains("'tiny'", small.Message);
        Assert.Contains("rows", small.Message);
        Assert.Contains("(None, 3, 2, 5, 1)", small.Message);
        var mask = Assert.Throws<ShapeMismatchException>(() => layer.Call(Tensor.Zeros(2, 3, 5, 5, 1), Tensor.Ones(2, 4)));
        Assert.Contains("'clstm'", mask.Message);
        Assert.Contains("(2, 4)", mask.Message);
        var state = Assert.Throws<ShapeMismatchException>(() => layer.CallWithState(Tensor.Zeros(2, 3, 5, 5, 1), null, [Tensor.Zeros(2, 3, 3, 3), Tensor.Zeros(2, 3, 3, 2)]));
        Assert.Contains("'clstm'", state.Message);
        Assert.Contains("(2, 3, 3, 2)", state.Message);
        Assert.Throws<ArgumentException>(() => layer.CallWithState(Tensor.Zeros(2, 3, 5, 5, 1), null, [Tensor.Zeros(2, 3, 3, 2)]));

        var stateful = new ConvLstm1D(2, 2, returnState: true, name: "stateful_one");
        var call = Assert.Throws<InvalidOperationException>(() => stateful.Call(Tensor.Zeros(1, 2, 4, 1)));
        Assert.Contains("'stateful_one'", call.Message);
        Assert.Contains("CallWithState", call.Message);
    }
}

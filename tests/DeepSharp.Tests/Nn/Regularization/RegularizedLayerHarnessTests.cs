using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Regularization;

/// <summary>
/// Every layer that takes regularizers and constraints goes through the layer harness with all of
/// them set: shapes, parameters, the config round trip (which must keep them), gradients and a
/// training step (the constraints are loose enough that the step still lowers the loss).
/// </summary>
public class RegularizedLayerHarnessTests
{
    private static Regularizer Kernel => new L1L2(0.01f, 0.02f);
    private static Constraint Loose => new MaxNorm(100f);

    [Fact]
    public void Dense() => LayerHarness.Run(() => new Dense(4, Activation.Tanh, kernelRegularizer: Kernel, biasRegularizer: new L2(),
        activityRegularizer: new L1(), kernelConstraint: Loose, biasConstraint: new MinMaxNorm(0f, 100f)), [6], [4], 6 * 4 + 4);

    [Fact]
    public void Conv1D() => LayerHarness.Run(() => new Conv1D(3, 3, activation: Activation.Tanh, kernelRegularizer: Kernel, biasRegularizer: new L1(),
        activityRegularizer: new L2(), kernelConstraint: new MaxNorm(100f, [0, 1]), biasConstraint: Loose), [7, 2], [5, 3], 3 * 2 * 3 + 3, batch: 2);

    [Fact]
    public void Conv2D() => LayerHarness.Run(() => new Conv2D(4, (3, 3), activation: Activation.Tanh, kernelRegularizer: Kernel, biasRegularizer: new L2(),
        activityRegularizer: new L1(), kernelConstraint: new MaxNorm(100f, [0, 1, 2]), biasConstraint: Loose), [6, 7, 2], [4, 5, 4], 3 * 3 * 2 * 4 + 4, batch: 2);

    [Fact]
    public void Conv2DSquareKernel() => LayerHarness.Run(() => new Conv2D(2, 2, kernelRegularizer: new L2(), activityRegularizer: new L1(),
        biasConstraint: new NonNeg()), [4, 4, 1], [3, 3, 2], 2 * 2 * 2 + 2, batch: 2);

    [Fact]
    public void Embedding() => LayerHarness.Run(() => new Embedding(7, 3, embeddingsRegularizer: new L2(), activityRegularizer: new L1(),
        embeddingsConstraint: new MaxNorm(100f, [1])), [4], [4, 3], 21, input: Indices);

    [Fact]
    public void SimpleRnn() => LayerHarness.Run(() => new SimpleRnn(4, kernelRegularizer: Kernel, recurrentRegularizer: new L2(), biasRegularizer: new L1(),
        activityRegularizer: new L2(), kernelConstraint: Loose, recurrentConstraint: Loose, biasConstraint: Loose), [5, 3], [4], 3 * 4 + 4 * 4 + 4);

    [Fact]
    public void Lstm() => LayerHarness.Run(() => new Lstm(3, returnSequences: true, kernelRegularizer: Kernel, recurrentRegularizer: new L1(),
        biasRegularizer: new L2(), activityRegularizer: new L1(), kernelConstraint: Loose, recurrentConstraint: new MaxNorm(100f, [-1]),
        biasConstraint: Loose), [4, 2], [4, 3], 4 * (2 * 3 + 3 * 3 + 3));

    [Fact]
    public void Gru() => LayerHarness.Run(() => new Gru(3, kernelRegularizer: Kernel, recurrentRegularizer: new L2(), biasRegularizer: new L1(),
        activityRegularizer: new L2(), kernelConstraint: Loose, recurrentConstraint: Loose, biasConstraint: Loose), [4, 2], [3], 3 * (2 * 3 + 3 * 3) + 6 * 3);

    [Fact]
    public void BatchNormalization() => LayerHarness.Run(() => new BatchNormalization(betaRegularizer: new L1(), gammaRegularizer: new L2(),
        betaConstraint: Loose, gammaConstraint: new NonNeg()), [4], [4], 16, batch: 5);

    [Fact]
    public void LayerNormalization() => LayerHarness.Run(() => new LayerNormalization([1, 2], betaRegularizer: new L2(), gammaRegularizer: Kernel,
        betaConstraint: Loose, gammaConstraint: new MaxNorm(100f, [0, 1])), [2, 6], [2, 6], 24);

    [Fact]
    public void MultiHeadAttention() => MultiInputHarness.Run(() => new MultiHeadAttention(2, 3, kernelRegularizer: Kernel, biasRegularizer: new L2(),
        activityRegularizer: new L1(), kernelConstraint: Loose, biasConstraint: Loose), [[3, 4], [5, 5]], [3, 4], 30 + 36 + 36 + 28);

    [Fact]
    public void ConfigsKeepEverySetting()
    {
        var lstm = new Lstm(3, kernelRegularizer: new L2(0.3f), recurrentRegularizer: new L1(0.2f), biasRegularizer: new L1L2(0.1f, 0.4f),
            activityRegularizer: new L2(0.5f), kernelConstraint: new UnitNorm([0, 1]), recurrentConstraint: new NonNeg(), biasConstraint: new MaxNorm(3f));
        var clone = Assert.IsType<Lstm>(LayerRegistry.Clone(lstm));
        Assert.Equal(0.3f, Assert.IsType<L2>(clone.KernelRegularizer).Factor);
        Assert.Equal(0.2f, Assert.IsType<L1>(clone.RecurrentRegularizer).Factor);
        Assert.Equal(0.4f, Assert.IsType<L1L2>(clone.BiasRegularizer).L2);
        Assert.Equal(0.5f, Assert.IsType<L2>(clone.ActivityRegularizer).Factor);
        Assert.Equal([0, 1], Assert.IsType<UnitNorm>(clone.KernelConstraint).Axes);
        Assert.IsType<NonNeg>(clone.RecurrentConstraint);
        Assert.Equal(3f, Assert.IsType<MaxNorm>(clone.BiasConstraint).MaxValue);

        // Built, each weight carries its own.
        clone.Build(new Shape(4, 2));
        Assert.Equal(["L2", "L1", "L1L2"], clone.Parameters.Select(p => p.Regularizer!.ClassName));
        Assert.Equal(["UnitNorm", "NonNeg", "MaxNorm"], clone.Parameters.Select(p => p.Constraint!.ClassName));
    }

    private static Tensor Indices(int[] shape)
    {
        var rng = new RandomGenerator(9);
        var t = Tensor.IntZeros(new Shape(shape));
        for (int i = 0; i < t.Size; i++) t.IntSpan[i] = rng.NextInt(7);
        return t;
    }
}

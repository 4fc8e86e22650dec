using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Regularization;

/// <summary>
/// Regularizers and constraints on the convolution variants and PReLU (Keras's argument names):
/// each through the harness with every setting on, the config keeping each one under Keras's key,
/// and the penalties counted in the loss TestOnBatch reports (hand sums of 0.1·Σw² per weight and
/// 0.01·Σ|y|/batch for the output).
/// </summary>
public class ConvolutionVariantRegularizationTests
{
    private static Regularizer Kernel => new L1L2(0.01f, 0.02f);
    private static Constraint Loose => new MaxNorm(100f);

    [Fact]
    public void Conv2DTranspose() => LayerHarness.Run(() => new Conv2DTranspose(4, 3, strides: 2, activation: Activation.Tanh, kernelRegularizer: Kernel,
        biasRegularizer: new L2(), activityRegularizer: new L1(), kernelConstraint: new MaxNorm(100f, [0, 1, 3]), biasConstraint: Loose),
        [5, 6, 2], [11, 13, 4], 3 * 3 * 4 * 2 + 4, batch: 2);

    [Fact]
    public void Conv1DTranspose() => LayerHarness.Run(() => new Conv1DTranspose(3, 3, strides: 2, activation: Activation.Tanh, kernelRegularizer: Kernel,
        biasRegularizer: new L1(), activityRegularizer: new L2(), kernelConstraint: Loose, biasConstraint: new MinMaxNorm(0f, 100f)),
        [5, 2], [11, 3], 3 * 3 * 2 + 3, batch: 2);

    [Fact]
    public void DepthwiseConv2D() => LayerHarness.Run(() => new DepthwiseConv2D(3, depthMultiplier: 2, activation: Activation.Tanh,
        depthwiseRegularizer: Kernel, biasRegularizer: new L2(), activityRegularizer: new L1(), depthwiseConstraint: new MaxNorm(100f, [0, 1]),
        biasConstraint: Loose), [6, 7, 3], [4, 5, 6], 9 * 3 * 2 + 6, batch: 2);

    [Fact]
    public void SeparableConv2D() => LayerHarness.Run(() => new SeparableConv2D(4, 3, activation: Activation.Tanh, depthwiseRegularizer: Kernel,
        pointwiseRegularizer: new L1(), biasRegularizer: new L2(), activityRegularizer: new L1(), depthwiseConstraint: Loose,
        pointwiseConstraint: new MaxNorm(100f, [0, 1, 2]), biasConstraint: Loose), [6, 7, 3], [4, 5, 4], 9 * 3 + 3 * 4 + 4, batch: 2);

    [Fact]
    public void PRelu() => LayerHarness.Run(() => new PRelu(Initializer.Uniform, alphaRegularizer: new L2(), alphaConstraint: new NonNeg()),
        [3, 4], [3, 4], 12);

    public static TheoryData<string> Layers => ["conv2d_transpose", "conv1d_transpose", "depthwise", "separable", "prelu"];

    /// <summary>The layer with an L2(0.1) on each weight and an L1(0.01) on its output when Keras has one; its input shape.</summary>
    private static (Layer Layer, int[] Input) Regularized(string kind) => kind switch
    {
        "conv2d_transpose" => (new Conv2DTranspose(2, 2, strides: 2, kernelRegularizer: new L2(0.1f), biasRegularizer: new L2(0.1f),
            activityRegularizer: new L1(0.01f), kernelConstraint: new NonNeg(), biasConstraint: new UnitNorm([0]), inputShape: [3, 3, 2]), [3, 3, 2]),
        "conv1d_transpose" => (new Conv1DTranspose(2, 3, kernelRegularizer: new L2(0.1f), biasRegularizer: new L2(0.1f),
            activityRegularizer: new L1(0.01f), kernelConstraint: new NonNeg(), biasConstraint: new UnitNorm([0]), inputShape: [4, 2]), [4, 2]),
        "depthwise" => (new DepthwiseConv2D(2, depthwiseRegularizer: new L2(0.1f), biasRegularizer: new L2(0.1f), activityRegularizer: new L1(0.01f),
            depthwiseConstraint: new NonNeg(), biasConstraint: new UnitNorm([0]), inputShape: [3, 3, 2]), [3, 3, 2]),
        "separable" => (new SeparableConv2D(2, 2, depthwiseRegularizer: new L2(0.1f), pointwiseRegularizer: new L2(0.1f),
            biasRegularizer: new L2(0.1f), activityRegularizer: new L1(0.01f), depthwiseConstraint: new NonNeg(),
            pointwiseConstraint: new MaxNorm(3f), biasConstraint: new UnitNorm([0]), inputShape: [3, 3, 2]), [3, 3, 2]),
        "prelu" => (new PRelu(Initializer.Uniform, alphaRegularizer: new L2(0.1f), alphaConstraint: new NonNeg(), inputShape: [5]), [5]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static readonly Dictionary<string, string[]> s_keys = new()
    {
        ["conv2d_transpose"] = ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"],
        ["conv1d_transpose"] = ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"],
        ["depthwise"] = ["depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"],
        ["separable"] = ["depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
            "depthwise_constraint", "pointwise_constraint", "bias_constraint"],
        ["prelu"] = ["alpha_regularizer", "alpha_constraint"],
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void ConfigKeepsEachSettingUnderKerasName(string kind)
    {
        var (layer, input) = Regularized(kind);
        var config = layer.GetConfig();
        foreach (string key in s_keys[kind])
            Assert.True(config[key] is JsonObject { } o && o["class_name"] is not null, $"{kind}: {key} missing from {config.ToJsonString()}");
        var clone = LayerRegistry.Create(layer.TypeName, (JsonObject)JsonNode.Parse(config.ToJsonString())!);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        clone.Build(new Shape(input));
        layer.Build(new Shape(input));
        Assert.Equal(layer.Parameters.Select(p => p.Regularizer?.ToString()), clone.Parameters.Select(p => p.Regularizer?.ToString()));
        Assert.Equal(layer.Parameters.Select(p => p.Constraint?.ToString()), clone.Parameters.Select(p => p.Constraint?.ToString()));
        Assert.All(clone.Parameters, p => Assert.NotNull(p.Regularizer));
        Assert.All(clone.Parameters, p => Assert.NotNull(p.Constraint));
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void PenaltiesAreCountedInTheLoss(string kind)
    {
        RandomGenerator.SetGlobalSeed(3);
        var (layer, input) = Regularized(kind);
        var model = new Sequential(layer);
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        var generator = new RandomGenerator(4);
        const int batch = 3;
        var x = Tensor.RandomNormal(new Shape([batch, .. input]), generator: generator);
        var prediction = model.Predict(x);
        var y = Tensor.RandomNormal(prediction.Shape, generator: generator);

        double mse = 0;
        var p = prediction.ToArray();
        var t = y.ToArray();
        for (int i = 0; i < p.Length; i++) mse += ((double)p[i] - t[i]) * (p[i] - t[i]) / p.Length;
        double weights = layer.Parameters.Sum(w => 0.1 * w.Value.ToArray().Sum(v => (double)v * v));
        double activity = layer.ActivityRegularizer is null ? 0 : 0.01 * p.Sum(v => Math.Abs((double)v)) / batch;

        var logs = model.TestOnBatch(x, y);
        Assert.Equal(mse + weights + activity, logs["loss"], 4);
        Assert.True(weights > 0);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void ConstraintsHoldAfterATrainingStep(string kind)
    {
        RandomGenerator.SetGlobalSeed(3);
        var (layer, input) = Regularized(kind);
        var model = new Sequential(layer);
        model.Compile(new Sgd(0.5f), new MeanSquaredError());
        var generator = new RandomGenerator(6);
        var x = Tensor.RandomNormal(new Shape([4, .. input]), generator: generator);
        var y = Tensor.RandomNormal(model.Predict(x).Shape, generator: generator);
        model.TrainOnBatch(x, y);
        foreach (var weight in layer.Parameters)
        {
            var values = weight.Value.ToArray();
            switch (weight.Constraint)
            {
                case NonNeg: Assert.All(values, v => Assert.True(v >= 0f, $"{weight.Name} {v}")); break;
                case UnitNorm: Assert.Equal(1.0, Math.Sqrt(values.Sum(v => (double)v * v)), 4); break;
                case MaxNorm: break; // the harness and ConstraintTests cover the norm itself
                default: Assert.Fail($"{kind}: {weight.Name} has no constraint"); break;
            }
        }
    }
}

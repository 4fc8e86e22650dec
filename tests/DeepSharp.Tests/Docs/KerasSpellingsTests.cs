using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Keras spellings a user wrote from the docs that did not compile (docs audit, session 17): initializers,
/// regularizers and constraints by name, an int stride for the pooling layers, LambdaCallback's keyword
/// constructor, and <c>Tensor.Ones(Shape)</c> beside <c>Tensor.Zeros(Shape)</c>.
/// </summary>
public class KerasSpellingsTests
{
    [Fact]
    public void InitializersRegularizersAndConstraintsByName()
    {
        RandomGenerator.SetGlobalSeed(2);
        var dense = new Dense(4, "relu", kernelInitializer: "he_normal", biasInitializer: "ones",
            kernelRegularizer: "l2", kernelConstraint: "non_neg", name: "named");
        dense.Build(new Shape(3));
        var config = dense.GetConfig();
        Assert.Equal("he_normal", config["kernel_initializer"]!.GetValue<string>());
        Assert.Equal("L2", config["kernel_regularizer"]!["class_name"]!.GetValue<string>());
        Assert.Equal(0.01f, config["kernel_regularizer"]!["config"]!["l2"]!.GetValue<float>());
        Assert.Equal("NonNeg", config["kernel_constraint"]!["class_name"]!.GetValue<string>());
        Assert.All(dense.Parameters[1].Value.ToArray(), b => Assert.Equal(1f, b));

        Assert.IsType<L1L2>(Regularizer.FromName("l1_l2"));
        Assert.IsType<MaxNorm>(Constraint.FromName("MaxNorm"));
        Assert.Same(Initializer.GlorotNormal, (Initializer)"glorot_normal");
        var e = Assert.Throws<DeepSharpException>(() => new Dense(2, kernelRegularizer: "l3"));
        Assert.Contains("l3", e.Message);
        Assert.Throws<DeepSharpException>(() => new Dense(2, kernelInitializer: "he_gaussian"));
        Assert.Throws<DeepSharpException>(() => new Dense(2, kernelConstraint: "positive"));
    }

    [Fact]
    public void PoolingTakesAnIntStrideAndPadding()
    {
        var images = Tensor.RandomUniform(new Shape(2, 7, 7, 3));
        // Keras: MaxPooling2D(pool_size=3, strides=1, padding="same") keeps 7×7; AveragePooling2D(2, strides=1) gives 6×6.
        Assert.Equal(new Shape(2, 7, 7, 3), new MaxPooling2D(3, strides: 1, padding: Padding.Same).Call(images).Shape);
        Assert.Equal(new Shape(2, 6, 6, 3), new AveragePooling2D(2, strides: 1).Call(images).Shape);
        Assert.Equal(new Shape(2, 3, 3, 3), new MaxPooling2D(2).Call(images).Shape);
        var pool = new MaxPooling2D(3, 2, inputShape: [7, 7, 3]);
        Assert.Equal((2, 2), pool.Strides);
        Assert.Equal(new Shape(3, 3, 3), pool.ComputeOutputShape(new Shape(7, 7, 3)));
        var volumes = Tensor.RandomUniform(new Shape(1, 4, 4, 4, 2));
        Assert.Equal(new Shape(1, 3, 3, 3, 2), new MaxPooling3D(2, strides: 1).Call(volumes).Shape);
        Assert.Equal(new Shape(1, 4, 4, 4, 2), new AveragePooling3D(3, strides: 1, padding: Padding.Same).Call(volumes).Shape);
    }

    [Fact]
    public void LambdaCallbackTakesKerasKeywordHooks()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(new Dense(1, inputShape: [2]));
        model.Compile(new Sgd(0.1f), "mse");
        var events = new List<string>();
        var callback = new LambdaCallback(
            onEpochBegin: epoch => events.Add($"begin {epoch}"),
            onEpochEnd: (epoch, logs) => events.Add($"end {epoch} {logs.ContainsKey("loss")}"),
            onTrainBegin: () => events.Add("train"),
            onTrainEnd: _ => events.Add("done"),
            onTrainBatchEnd: (step, _) => events.Add($"step {step}"));
        model.Fit(Tensor.Ones(new Shape(4, 2)), Tensor.Zeros(new Shape(4, 1)), batchSize: 2, epochs: 2, verbose: 0, callbacks: [callback]);
        Assert.Equal(["train", "begin 0", "step 0", "step 1", "end 0 True", "begin 1", "step 0", "step 1", "end 1 True", "done"], events);
    }

    [Fact]
    public void OnesTakesAShapeAsZerosDoes()
    {
        var ones = Tensor.Ones(new Shape(2, 3));
        Assert.Equal(new Shape(2, 3), ones.Shape);
        Assert.All(ones.ToArray(), v => Assert.Equal(1f, v));
    }
}

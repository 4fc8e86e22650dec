using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Keras's string identifiers, as a Keras user writes them first: <c>Compile("adam", "binary_crossentropy", ["accuracy"])</c>
/// and <c>new Dense(16, "relu")</c> (found by the README audit: neither compiled).
/// </summary>
public class KerasNamesTests
{
    private static (Tensor X, Tensor Y) Xor() =>
        (Tensor.FromArray([0f, 0, 0, 1, 1, 0, 1, 1], 4, 2), Tensor.FromArray([0f, 1, 1, 0], 4, 1));

    private static History Train(Action<Sequential> compile)
    {
        RandomGenerator.SetGlobalSeed(7);
        var (x, y) = Xor();
        var model = new Sequential(new Dense(8, "tanh", inputShape: [2]), new Dense(1, "sigmoid"));
        compile(model);
        return model.Fit(x, y, batchSize: 4, epochs: 5, verbose: 0);
    }

    [Fact]
    public void CompilingWithNamesTrainsAsCompilingWithObjects()
    {
        var named = Train(m => m.Compile("adam", "binary_crossentropy", ["accuracy", "auc", "mse"]));
        var objects = Train(m => m.Compile(new Adam(), new BinaryCrossentropy(), [new Accuracy(), new Auc(), new DeepSharp.Metrics.MeanSquaredError()]));
        Assert.Equal(["loss", "accuracy", "auc", "mean_squared_error"], named.Values.Keys);
        foreach (var (name, values) in objects.Values) Assert.Equal(values, named[name]);
    }

    [Fact]
    public void NamesMixWithObjects()
    {
        var mixed = Train(m => m.Compile(new Adam(0.05f), "mse", ["mae"]));
        var objects = Train(m => m.Compile(new Adam(0.05f), new DeepSharp.Losses.MeanSquaredError(), [new DeepSharp.Metrics.MeanAbsoluteError()]));
        Assert.Equal(objects["loss"], mixed["loss"]);
        Assert.Equal(objects["mean_absolute_error"], mixed["mean_absolute_error"]);
    }

    [Theory]
    [InlineData("sgd", typeof(Sgd))]
    [InlineData("adam", typeof(Adam))]
    [InlineData("Adam", typeof(Adam))]
    [InlineData("adamw", typeof(AdamW))]
    [InlineData("RMSprop", typeof(RmsProp))]
    [InlineData("adagrad", typeof(Adagrad))]
    [InlineData("nadam", typeof(Nadam))]
    [InlineData("adamax", typeof(Adamax))]
    [InlineData("Adadelta", typeof(Adadelta))]
    [InlineData("lion", typeof(Lion))]
    [InlineData("ftrl", typeof(Ftrl))]
    public void OptimizersByName(string name, Type type) => Assert.IsType(type, Optimizer.FromName(name));

    [Theory]
    [InlineData("binary_crossentropy", typeof(BinaryCrossentropy))]
    [InlineData("categorical_crossentropy", typeof(CategoricalCrossentropy))]
    [InlineData("sparse_categorical_crossentropy", typeof(SparseCategoricalCrossentropy))]
    [InlineData("SparseCategoricalCrossentropy", typeof(SparseCategoricalCrossentropy))]
    [InlineData("mse", typeof(DeepSharp.Losses.MeanSquaredError))]
    [InlineData("mean_squared_error", typeof(DeepSharp.Losses.MeanSquaredError))]
    [InlineData("mae", typeof(DeepSharp.Losses.MeanAbsoluteError))]
    [InlineData("huber", typeof(Huber))]
    [InlineData("bce", typeof(BinaryCrossentropy))]
    [InlineData("BCE", typeof(BinaryCrossentropy))]
    [InlineData("kld", typeof(KLDivergence))]
    [InlineData("kl_divergence", typeof(KLDivergence))]
    [InlineData("cosine_similarity", typeof(CosineSimilarity))]
    [InlineData("hinge", typeof(DeepSharp.Losses.Hinge))]
    [InlineData("squared_hinge", typeof(DeepSharp.Losses.SquaredHinge))]
    [InlineData("categorical_hinge", typeof(DeepSharp.Losses.CategoricalHinge))]
    [InlineData("log_cosh", typeof(LogCosh))]
    [InlineData("poisson", typeof(DeepSharp.Losses.Poisson))]
    [InlineData("msle", typeof(DeepSharp.Losses.MeanSquaredLogarithmicError))]
    [InlineData("mape", typeof(DeepSharp.Losses.MeanAbsolutePercentageError))]
    [InlineData("binary_focal_crossentropy", typeof(BinaryFocalCrossentropy))]
    [InlineData("categorical_focal_crossentropy", typeof(CategoricalFocalCrossentropy))]
    [InlineData("dice", typeof(Dice))]
    [InlineData("tversky", typeof(Tversky))]
    [InlineData("ctc", typeof(Ctc))]
    public void LossesByName(string name, Type type) => Assert.IsType(type, Loss.FromName(name));

    [Theory]
    [InlineData("accuracy", typeof(Accuracy))]
    [InlineData("acc", typeof(Accuracy))]
    [InlineData("binary_accuracy", typeof(BinaryAccuracy))]
    [InlineData("categorical_accuracy", typeof(CategoricalAccuracy))]
    [InlineData("sparse_categorical_accuracy", typeof(SparseCategoricalAccuracy))]
    [InlineData("top_k_categorical_accuracy", typeof(TopKCategoricalAccuracy))]
    [InlineData("precision", typeof(Precision))]
    [InlineData("recall", typeof(Recall))]
    [InlineData("AUC", typeof(Auc))]
    [InlineData("f1_score", typeof(F1Score))]
    [InlineData("mse", typeof(DeepSharp.Metrics.MeanSquaredError))]
    [InlineData("mae", typeof(DeepSharp.Metrics.MeanAbsoluteError))]
    public void MetricsByName(string name, Type type) => Assert.IsType(type, Metric.FromName(name));

    [Fact]
    public void EachNameGivesAFreshObject() => Assert.NotSame(Optimizer.FromName("adam"), Optimizer.FromName("adam"));

    [Fact]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var optimizer = Assert.Throws<ArgumentException>(() => Optimizer.FromName("lamb"));
        Assert.Contains("Unknown optimizer 'lamb'; known: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta, lion, ftrl", optimizer.Message);
        var loss = Assert.Throws<ArgumentException>(() => Loss.FromName("triplet_margin"));
        Assert.Contains("Unknown loss 'triplet_margin'; known: binary_crossentropy,", loss.Message);
        var metric = Assert.Throws<ArgumentException>(() => { Metric m = "accuracy_score"; });
        Assert.Contains("Unknown metric 'accuracy_score'; known: accuracy, acc,", metric.Message);
        var activation = Assert.Throws<DeepSharpException>(() => new Dense(3, "relux"));
        Assert.Contains("Unknown activation 'relux'", activation.Message);
    }

    [Fact]
    public void ActivationsByName()
    {
        Assert.Same(Activation.Relu, new Dense(3, "relu").Activation);
        Assert.Same(Activation.Softmax, new Dense(3, activation: "softmax").Activation);
        Assert.Same(Activation.Swish, new Dense(3, "silu").Activation);
    }
}

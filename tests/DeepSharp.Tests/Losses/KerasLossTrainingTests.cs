using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Losses;

/// <summary>
/// Each added loss by its Keras name in Compile: a small model trained with it lowers it, and a model file keeps
/// it (with its settings) so that the loaded model evaluates to the same loss.
/// </summary>
public sealed class KerasLossTrainingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model and data that suit the loss: binary, one-hot, positive-valued or sequence targets.</summary>
    private static (Model Model, Tensor X, Tensor Y) Problem(string loss)
    {
        RandomGenerator.SetGlobalSeed(11);
        var x = Tensor.RandomNormal(new Shape(48, 4));
        var rows = x.ToArray().Chunk(4).ToArray();
        switch (loss)
        {
            case "ctc":
                {
                    // 6 frames of 3 features → 4 classes per frame; the label is the class of the strongest feature, said once.
                    var frames = Tensor.RandomNormal(new Shape(32, 6, 3));
                    var labels = frames.ToArray().Chunk(18).Select(s => 1 + Enumerable.Range(0, 3).MaxBy(f => s.Where((_, i) => i % 3 == f).Sum())).ToArray();
                    var model = new Sequential(new Dense(8, Activation.Tanh, inputShape: [6, 3]), new Dense(4));
                    return (model, frames, Tensor.FromArray(labels.SelectMany(l => new[] { l, 0 }).ToArray(), 32, 2));
                }
            case "categorical_hinge" or "categorical_focal_crossentropy":
                {
                    var oneHot = rows.SelectMany(r => { int c = r[0] > 0.5f ? 2 : r[0] > -0.5f ? 1 : 0; return Enumerable.Range(0, 3).Select(k => k == c ? 1f : 0f); });
                    var activation = loss == "categorical_hinge" ? Activation.Linear : Activation.Softmax;
                    return (new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new Dense(3, activation)), x, Tensor.FromArray(oneHot.ToArray(), 48, 3));
                }
            case "log_cosh" or "msle" or "mape":
                {
                    var y = rows.Select(r => 3f + 0.5f * r[0] - 0.25f * r[1]).ToArray();
                    return (new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new Dense(1)), x, Tensor.FromArray(y, 48, 1));
                }
            default:
                {
                    var y = rows.Select(r => r[0] + r[1] > 0 ? 1f : 0f).ToArray();
                    var activation = loss is "hinge" or "squared_hinge" ? Activation.Linear : Activation.Sigmoid;
                    return (new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new Dense(1, activation)), x, Tensor.FromArray(y, 48, 1));
                }
        }
    }

    [Theory]
    [InlineData("hinge", typeof(Hinge))]
    [InlineData("squared_hinge", typeof(SquaredHinge))]
    [InlineData("categorical_hinge", typeof(CategoricalHinge))]
    [InlineData("log_cosh", typeof(LogCosh))]
    [InlineData("poisson", typeof(Poisson))]
    [InlineData("msle", typeof(MeanSquaredLogarithmicError))]
    [InlineData("mape", typeof(MeanAbsolutePercentageError))]
    [InlineData("binary_focal_crossentropy", typeof(BinaryFocalCrossentropy))]
    [InlineData("categorical_focal_crossentropy", typeof(CategoricalFocalCrossentropy))]
    [InlineData("dice", typeof(Dice))]
    [InlineData("tversky", typeof(Tversky))]
    [InlineData("ctc", typeof(Ctc))]
    public void CompiledByNameItTrainsAndSurvivesAModelFile(string name, Type type)
    {
        var (model, x, y) = Problem(name);
        model.Compile(new Adam(0.02f), name);
        Assert.IsType(type, model.Losses[0]);
        var history = model.Fit(x, y, batchSize: 16, epochs: 8, verbose: 0);
        var losses = history["loss"];
        Assert.True(losses[^1] < losses[0], $"{name}: loss went from {losses[0]} to {losses[^1]}");

        string path = Path.Combine(_temp.Path, $"{name}.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.IsType(type, loaded.Losses[0]);
        Assert.Equal(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"], 5);
    }

    [Fact]
    public void SettingsSurviveAModelFile()
    {
        Loss[] losses =
        [
            new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.4f, gamma: 1.5f, fromLogits: true, labelSmoothing: 0.1f),
            new CategoricalFocalCrossentropy(alpha: 0.5f, gamma: 1f, fromLogits: true, labelSmoothing: 0.2f),
            new Dice(axis: [1]),
            new Tversky(alpha: 0.3f, beta: 0.7f, axis: [-1]),
            new Tversky(),
        ];
        foreach (var loss in losses)
        {
            RandomGenerator.SetGlobalSeed(2);
            var model = new Sequential(new Dense(3, inputShape: [4]));
            model.Compile("adam", loss);
            string path = Path.Combine(_temp.Path, "settings.safetensors");
            model.Save(path);
            var back = Model.Load(path).Losses[0]!;
            Assert.IsType(loss.GetType(), back);
            switch (loss)
            {
                case BinaryFocalCrossentropy f:
                    var g = (BinaryFocalCrossentropy)back;
                    Assert.Equal((f.ApplyClassBalancing, f.Alpha, f.Gamma, f.FromLogits, f.LabelSmoothing), (g.ApplyClassBalancing, g.Alpha, g.Gamma, g.FromLogits, g.LabelSmoothing));
                    break;
                case CategoricalFocalCrossentropy f:
                    var h = (CategoricalFocalCrossentropy)back;
                    Assert.Equal((f.Alpha, f.Gamma, f.FromLogits, f.LabelSmoothing), (h.Alpha, h.Gamma, h.FromLogits, h.LabelSmoothing));
                    break;
                case Dice d:
                    Assert.Equal(d.Axis, ((Dice)back).Axis);
                    break;
                case Tversky t:
                    var u = (Tversky)back;
                    Assert.Equal((t.Alpha, t.Beta), (u.Alpha, u.Beta));
                    Assert.Equal(t.Axis, u.Axis);
                    break;
            }
        }
    }

    [Theory]
    [InlineData("CTC", typeof(Ctc))]
    [InlineData("logcosh", typeof(LogCosh))]
    [InlineData("MeanSquaredLogarithmicError", typeof(MeanSquaredLogarithmicError))]
    [InlineData("mean_absolute_percentage_error", typeof(MeanAbsolutePercentageError))]
    [InlineData("BinaryFocalCrossentropy", typeof(BinaryFocalCrossentropy))]
    public void KerasSpellingsFindTheLoss(string name, Type type) => Assert.IsType(type, Loss.FromName(name));

    [Fact]
    public void DefaultsAreKeras()
    {
        var binary = new BinaryFocalCrossentropy();
        Assert.Equal((false, 0.25f, 2f, false, 0f), (binary.ApplyClassBalancing, binary.Alpha, binary.Gamma, binary.FromLogits, binary.LabelSmoothing));
        var categorical = new CategoricalFocalCrossentropy();
        Assert.Equal((0.25f, 2f, false, 0f), (categorical.Alpha, categorical.Gamma, categorical.FromLogits, categorical.LabelSmoothing));
        var tversky = new Tversky();
        Assert.Equal((0.5f, 0.5f, (int[]?)null), (tversky.Alpha, tversky.Beta, tversky.Axis));
        Assert.Null(new Dice().Axis);
        Assert.Equal(["hinge", "squared_hinge", "categorical_hinge", "log_cosh", "poisson", "mean_squared_logarithmic_error", "mean_absolute_percentage_error", "ctc"],
            new Loss[] { new Hinge(), new SquaredHinge(), new CategoricalHinge(), new LogCosh(), new Poisson(), new MeanSquaredLogarithmicError(), new MeanAbsolutePercentageError(), new Ctc() }.Select(l => l.Name));
    }
}

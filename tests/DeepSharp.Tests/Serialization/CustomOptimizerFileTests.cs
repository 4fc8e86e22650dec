using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// Optimizers and learning-rate schedules of your own through a model file: saved by class name and config, loaded
/// compiled when given (settings, clipping, schedule and state restored: Fit continues as the uninterrupted run), a
/// MissingCustomObjectException naming the file, kind and class when not; DeepSharp's own names cannot be taken.
/// </summary>
public sealed class CustomOptimizerFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Heavy-ball momentum with a damping setting: v = μ·v + g, w −= lr·v.</summary>
    public sealed class DampedMomentum(LearningRateSchedule learningRate, float damping) : Optimizer(learningRate)
    {
        public float Damping { get; } = damping;
        public override string Name => "damped_momentum";
        protected override IReadOnlyList<string> SlotNames { get; } = ["velocity"];

        protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots)
        {
            var v = slots[0].Span;
            for (int i = 0; i < weights.Length; i++)
            {
                v[i] = Damping * v[i] + gradient[i];
                weights[i] -= StepLearningRate * v[i];
            }
        }

        public override JsonObject GetConfig() => new() { ["damping"] = Damping };
    }

    /// <summary>Halves the rate every <see cref="Every"/> steps.</summary>
    public sealed class Halving(float initial, int every) : LearningRateSchedule
    {
        public float Initial { get; } = initial;
        public int Every { get; } = every;
        public override string Name => "Halving";
        public override float Rate(long step) => Initial * MathF.Pow(0.5f, step / Every);
        public override JsonObject GetConfig() => new() { ["initial"] = Initial, ["every"] = Every };
    }

    private static CustomObjects Both() => new CustomObjects()
        .AddOptimizer(nameof(DampedMomentum), (c, lr) => new DampedMomentum(lr, c["damping"]!.GetValue<float>()))
        .AddSchedule("Halving", c => new Halving(c["initial"]!.GetValue<float>(), c["every"]!.GetValue<int>()));

    private static (Tensor X, Tensor Y) Data()
    {
        var x = Tensor.RandomUniform(new Shape(32, 3), -1f, 1f, new RandomGenerator(8));
        var y = Tensor.RandomUniform(new Shape(32, 1), -1f, 1f, new RandomGenerator(9));
        return (x, y);
    }

    private static Model Compiled()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(new Dense(4, Activation.Tanh, inputShape: [3]), new Dense(1));
        model.Compile(new DampedMomentum(new Halving(0.05f, 5), 0.8f) { ClipNorm = 0.5f }, new MeanSquaredError());
        return model;
    }

    [Fact]
    public void AModelWithBothLoadsCompiledAndContinuesAsTheUninterruptedRun()
    {
        var (x, y) = Data();
        var straight = Compiled();
        straight.Fit(x, y, epochs: 4, batchSize: 8, verbose: 0, shuffle: false);

        var first = Compiled();
        first.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, shuffle: false);
        string path = _temp.File("custom.safetensors");
        first.Save(path);
        var loaded = Model.Load(path, Both());
        var optimizer = Assert.IsType<DampedMomentum>(loaded.Optimizer);
        Assert.Equal(0.8f, optimizer.Damping);
        Assert.Equal(0.5f, optimizer.ClipNorm);
        Assert.Equal(8, optimizer.Iterations);
        var schedule = Assert.IsType<Halving>(optimizer.Schedule);
        Assert.Equal((0.05f, 5), (schedule.Initial, schedule.Every));
        loaded.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, shuffle: false);
        Assert.Equal(straight.GetWeights().SelectMany(w => w.ToArray()), loaded.GetWeights().SelectMany(w => w.ToArray()));
    }

    [Fact]
    public void AMissingOptimizerOrScheduleIsNamedWithTheFile()
    {
        var (x, y) = Data();
        var model = Compiled();
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        string path = _temp.File("custom.safetensors");
        model.Save(path);

        var e = Assert.Throws<MissingCustomObjectException>(() => Model.Load(path));
        Assert.Equal(("optimizer", "DampedMomentum"), (e.Kind, e.ClassName));
        Assert.Contains(path, e.Message);
        Assert.Contains("AddOptimizer", e.Message);

        var onlyOptimizer = new CustomObjects().AddOptimizer(nameof(DampedMomentum), (c, lr) => new DampedMomentum(lr, 0.8f));
        var s = Assert.Throws<MissingCustomObjectException>(() => Model.Load(path, onlyOptimizer));
        Assert.Equal(("schedule", "Halving"), (s.Kind, s.ClassName));
        Assert.Contains(path, s.Message);
        Assert.Contains("AddSchedule", s.Message);

        Assert.False(Model.Load(path, compile: false).IsCompiled);
    }

    [Fact]
    public void ABuiltInOptimizerWithAScheduleOfYourOwn()
    {
        var (x, y) = Data();
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(new Dense(1, inputShape: [3]));
        model.Compile(new Adam(new Halving(0.01f, 3)), new MeanSquaredError());
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        string path = _temp.File("adam.safetensors");
        model.Save(path);
        var e = Assert.Throws<MissingCustomObjectException>(() => Model.Load(path));
        Assert.Equal("schedule", e.Kind);
        var loaded = Model.Load(path, Both());
        Assert.IsType<Adam>(loaded.Optimizer);
        Assert.Equal(model.Optimizer!.LearningRate, loaded.Optimizer!.LearningRate);
    }

    [Fact]
    public void DeepSharpsOwnNamesCannotBeTaken()
    {
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddOptimizer("Adam", (_, lr) => new Adam(lr)));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddSchedule("CosineDecay", _ => new Halving(1f, 1)));
    }
}

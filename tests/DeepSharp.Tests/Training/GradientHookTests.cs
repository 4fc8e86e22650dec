using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// The gradient seam of the training step (IGradientHook): during backward, each trainable
/// parameter is reported once per step, as soon as its gradient is final; then, before the
/// optimizer, once for all. Data-parallel training reduces gradients there.
/// </summary>
public class GradientHookTests
{
    /// <summary>A Dense layer called twice (its weights get two contributions), BatchNormalization (two weights that are not trainable), a softmax head.</summary>
    private static Model SharedLayerModel()
    {
        RandomGenerator.SetGlobalSeed(3);
        var input = Model.Input([4], name: "x");
        var shared = new Dense(4, Activation.Tanh, name: "shared");
        var h = new BatchNormalization().Call(shared.Call(shared.Call(input)));
        var model = new Model(input, new Dense(3, Activation.Softmax, name: "head").Call(h));
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), [new Accuracy()]);
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int samples = 48)
    {
        var x = Tensor.RandomNormal(new Shape(samples, 4), generator: new RandomGenerator(4));
        var y = Tensor.IntZeros(new Shape(samples));
        for (int i = 0; i < samples; i++) y.IntSpan[i] = (x[i, 0] > 0 ? 1 : 0) + (x[i, 1] > 0.5f ? 1 : 0);
        return (x, y);
    }

    /// <summary>Checks every call against the rules and keeps what it saw.</summary>
    private sealed class CheckingHook : Callback, IGradientHook
    {
        private readonly Dictionary<int, float[]> _reported = [];
        private float[][]? _weightsBeforeStep;

        public int Steps { get; private set; }
        public int Ready { get; private set; }
        public List<string> ReportedThisStep { get; } = [];
        public List<string> Problems { get; } = [];
        public bool SawAnUnfinishedGradient { get; private set; }

        public override void OnTrainBatchBegin(int step)
        {
            _reported.Clear();
            ReportedThisStep.Clear();
            _weightsBeforeStep = Model!.TrainableParameters.Select(p => p.Value.ToArray()).ToArray();
        }

        public void GradientReady(int index, Parameter parameter)
        {
            Ready++;
            if (!_reported.TryAdd(index, parameter.Value.Grad!.ToArray())) Problems.Add($"{parameter.Path} reported twice in a step");
            ReportedThisStep.Add(parameter.Path);
            // During backward: some trainable gradient is still the zeros it was cleared to.
            if (_reported.Count == 1 && Model!.TrainableParameters.Any(p => p != parameter && p.Value.Grad is { } g && g.ToArray().All(v => v == 0f)))
                SawAnUnfinishedGradient = true;
        }

        public void GradientsReady(IReadOnlyList<Parameter> trainable)
        {
            Steps++;
            if (!trainable.SequenceEqual(Model!.TrainableParameters)) Problems.Add("the list is not the model's trainable parameters");
            foreach (var (index, seen) in _reported)
                if (!seen.AsSpan().SequenceEqual(trainable[index].Value.Grad!.Span))
                    Problems.Add($"{trainable[index].Path}: its gradient changed after it was reported final");
            for (int i = 0; i < trainable.Count; i++)
                if (!trainable[i].Value.Span.SequenceEqual(_weightsBeforeStep![i]))
                    Problems.Add($"{trainable[i].Path} moved before the optimizer step");
        }
    }

    [Fact]
    public void EveryTrainableParameterIsReportedOncePerStepWithItsFinalGradient()
    {
        var model = SharedLayerModel();
        var (x, y) = Data();
        var hook = new CheckingHook();
        model.Trainer!.GradientHooks.Add(hook);
        model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0, callbacks: [hook]);

        var trainable = model.TrainableParameters.Select(p => p.Path).ToArray();
        Assert.Equal(["shared/kernel", "shared/bias", "batch_normalization/gamma", "batch_normalization/beta", "head/kernel", "head/bias"], trainable);
        Assert.Equal(2, model.Parameters.Count() - trainable.Length); // the moving statistics, never reported
        Assert.Empty(hook.Problems);
        Assert.Equal(6, hook.Steps);
        Assert.Equal(6 * trainable.Length, hook.Ready);
        Assert.Equal(trainable.Order(), hook.ReportedThisStep.Order());
        // Backward runs from the loss: the head's gradients are final first, the shared layer's (used twice) last.
        Assert.StartsWith("head/", hook.ReportedThisStep[0]);
        Assert.StartsWith("shared/", hook.ReportedThisStep[^1]);
        Assert.True(hook.SawAnUnfinishedGradient, "the first report came after backward had finished");
    }

    /// <summary>An output without a loss gets no gradient: its own weights are not reported during backward, but are in the list before the optimizer.</summary>
    [Fact]
    public void WeightsTheLossDoesNotReachAreNotReported()
    {
        RandomGenerator.SetGlobalSeed(6);
        var model = MultiIOTests.TwoByTwo();
        model.Compile(new Adam(), [new SparseCategoricalCrossentropy(), null]);
        var (xa, xb, labels, _) = MultiIOTests.Data(7);
        var hook = new CheckingHook();
        model.Trainer!.GradientHooks.Add(hook);
        model.Fit([xa, xb], [labels, null], batchSize: 32, epochs: 1, verbose: 0, callbacks: [hook]);
        Assert.Empty(hook.Problems);
        Assert.Equal(3, hook.Steps);
        Assert.DoesNotContain(hook.ReportedThisStep, p => p.StartsWith("out2/", StringComparison.Ordinal));
        Assert.Equal(model.TrainableParameters.Count() - 2, hook.ReportedThisStep.Count);
    }

    private sealed class Scale(float factor) : IGradientHook
    {
        public void GradientReady(int index, Parameter parameter) { }

        public void GradientsReady(IReadOnlyList<Parameter> trainable)
        {
            foreach (var p in trainable)
                if (p.Value.Grad is { } g) System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, factor, g.Span);
        }
    }

    /// <summary>
    /// What a hook leaves in the gradients is what the optimizer applies: halving them (as averaging
    /// over two ranks would) trains as half the learning rate, bit for bit; a hook that only reads
    /// changes nothing.
    /// </summary>
    [Fact]
    public void TheOptimizerAppliesWhatTheHooksLeave()
    {
        var (x, y) = Data();
        float[][] Train(float learningRate, IGradientHook? hook)
        {
            var model = SharedLayerModel();
            model.Compile(new Sgd(learningRate), new SparseCategoricalCrossentropy());
            if (hook is not null) model.Trainer!.GradientHooks.Add(hook);
            model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
        var plain = Train(0.05f, null);
        var halvedRate = Train(0.025f, null);
        Assert.Equal(plain, Train(0.05f, new CheckingHookWithoutModel()));
        Assert.Equal(halvedRate, Train(0.05f, new Scale(0.5f)));
        Assert.NotEqual(plain, halvedRate);
    }

    private sealed class CheckingHookWithoutModel : IGradientHook
    {
        public void GradientReady(int index, Parameter parameter) => _ = parameter.Value.Grad!.Span[0];
        public void GradientsReady(IReadOnlyList<Parameter> trainable) { }
    }

    private sealed class Counter : IGradientHook
    {
        public int Ready;
        public void GradientReady(int index, Parameter parameter) => Ready++;
        public void GradientsReady(IReadOnlyList<Parameter> trainable) { }
    }

    /// <summary>The seam costs the step no managed allocation either (StepAllocationTests' bound, with a hook).</summary>
    [Fact]
    public void AHookedStepStillAllocatesUnderOneKilobyte()
    {
        var x = Tensor.RandomUniform(new Shape(16 * 30, 28, 28, 1), generator: new RandomGenerator(3));
        var labels = new float[16 * 30 * 10];
        for (int i = 0; i < 16 * 30; i++) labels[i * 10 + i % 10] = 1f;
        var model = SeedModel.Create();
        var hook = new Counter();
        model.Trainer!.GradientHooks.Add(hook);
        var meter = new StepAllocationMeter();
        model.Fit(x, Tensor.FromArray(labels, 16 * 30, 10), batchSize: 16, epochs: 1, verbose: 0, callbacks: [meter]);
        Assert.Equal(30 * 6, hook.Ready); // a kernel and a bias for each of Conv2D, Dense, Dense
        long median = meter.SteadyMedian();
        Assert.True(median <= 1024, $"A hooked training step allocated {median} B (median); all: {string.Join(",", meter.PerStep)}");
    }
}

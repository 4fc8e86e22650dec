// The examples of docs/custom.md, compiled: every ```csharp block of the page appears here line for
// line (CustomDocTests checks it), and the tests in this folder run them. Edit both together.
using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using Metric = DeepSharp.Metrics.Metric;

namespace DeepSharp.Tests.Docs;

/// <summary>y = x·scale + shift, one scale and one shift per feature (the last axis).</summary>
public sealed class ScaleShift : Layer, IOnnxExportable
{
    private Parameter? _scale, _shift;

    public ScaleShift(float initialScale = 1f, string? name = null, int[]? inputShape = null)
        : base(name, inputShape) => InitialScale = initialScale;

    /// <summary>The value every scale starts at (a config value).</summary>
    public float InitialScale { get; }

    public override string TypeName => "ScaleShift";

    protected override void OnBuild(Shape inputShape)
    {
        var features = new Shape(inputShape[-1]);
        _scale = AddWeight("scale", features, Initializer.Ones);
        _scale.Value.Span.Fill(InitialScale);
        _shift = AddWeight("shift", features, Initializer.Zeros);
    }

    protected override Tensor Forward(Tensor x, bool training) =>
        Ops.Add(Ops.Multiply(x, _scale!.Value), _shift!.Value);

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig(); // name and input_shape
        config["initial_scale"] = InitialScale;
        return config;
    }

    public static ScaleShift FromConfig(JsonObject config) => new(
        config["initial_scale"]?.GetValue<float>() ?? 1f,
        name: config["name"]?.GetValue<string>(),
        inputShape: config["input_shape"]?.AsArray().Select(d => d!.GetValue<int>()).ToArray());

    public string ExportOnnx(OnnxBuilder onnx, string input, Shape inputShape) =>
        onnx.AddNode("Add", [onnx.AddNode("Mul", [input, onnx.AddWeight(_scale!)]), onnx.AddWeight(_shift!)]);
}

/// <summary>An activation of your own, registered once for every config the program reads.</summary>
public static class MyActivations
{
    public static readonly Activation Softsign = Activation.Register(
        "my_softsign",
        x => Ops.Divide(x, Ops.Affine(Ops.Abs(x), 1f, 1f)),   // x / (1 + |x|)
        (onnx, x) => onnx.AddNode("Softsign", [x]));
}

/// <summary>A regularizer of your own, factor·Σ(w − center)², and a constraint of your own, clipping weights into [min, max].</summary>
public sealed class CenteredL2(float factor, float center) : Regularizer
{
    public float Factor { get; } = factor;
    public float Center { get; } = center;
    public override string ClassName => "CenteredL2";

    public override Tensor Penalty(Tensor x) =>
        Ops.Multiply(Ops.Sum(Ops.Square(Ops.Affine(x, 1f, -Center))), Factor);

    public override JsonObject GetConfig() => new() { ["factor"] = Factor, ["center"] = Center };

    public static CenteredL2 FromConfig(JsonObject config) =>
        new(config["factor"]!.GetValue<float>(), config["center"]!.GetValue<float>());
}

public sealed class ClipWeights(float min, float max) : Constraint
{
    public float Min { get; } = min;
    public float Max { get; } = max;
    public override string ClassName => "ClipWeights";

    public override void Apply(Tensor weight)
    {
        var values = weight.Span;
        for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i], Min, Max);
    }

    public override JsonObject GetConfig() => new() { ["min_value"] = Min, ["max_value"] = Max };

    public static ClipWeights FromConfig(JsonObject config) =>
        new(config["min_value"]!.GetValue<float>(), config["max_value"]!.GetValue<float>());
}

/// <summary>Squared hinge: mean over the last axis of max(0, 1 − y·ŷ)², targets −1 or 1.</summary>
public sealed class SquaredMargin : Loss
{
    public override string Name => "squared_margin";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var margin = Ops.Relu(Ops.Affine(Ops.Multiply(yTrue, yPred), -1f, 1f));
        return Ops.Affine(Ops.SumLastAxis(Ops.Multiply(margin, margin)), 1f / yPred.Shape[-1]);
    }
}

/// <summary>The largest absolute error seen since the last reset (samples of weight 0 left out).</summary>
public sealed class MaxAbsoluteError : Metric
{
    private double _max;

    public override string Name => "max_absolute_error";

    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        float[] t = yTrue.ToArray(), p = yPred.ToArray();
        float[]? w = sampleWeight?.ToArray();
        int perSample = p.Length / yPred.Shape[0];
        for (int i = 0; i < p.Length; i++)
            if (w is null || w[i / perSample] != 0f) _max = Math.Max(_max, Math.Abs(t[i] - p[i]));
    }

    public override double Result() => _max;

    public override void Reset() => _max = 0;
}

/// <summary>Stops Fit once the epoch's loss is below a threshold.</summary>
public sealed class StopAtLoss(double threshold) : Callback
{
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs["loss"] < threshold) Model!.StopTraining = true;
    }
}

/// <summary>
/// An optimizer of one's own, heavy-ball momentum with a damping setting (v = μ·v + g, w −= lr·v), and a
/// learning-rate schedule of one's own that halves the rate every <c>every</c> steps.
/// </summary>
public sealed class DampedMomentum(LearningRateSchedule learningRate, float damping) : Optimizer(learningRate)
{
    public float Damping { get; } = damping;
    public override string Name => "damped_momentum";
    protected override IReadOnlyList<string> SlotNames { get; } = ["velocity"];
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, Tensor[] slots)
    {
        var v = slots[0].Span;
        for (int i = 0; i < w.Length; i++) { v[i] = Damping * v[i] + g[i]; w[i] -= StepLearningRate * v[i]; }
    }
    public override JsonObject GetConfig() => new() { ["damping"] = Damping };
}

public sealed class Halving(float initial, int every) : LearningRateSchedule
{
    public float Initial { get; } = initial;
    public int Every { get; } = every;
    public override string Name => "Halving";
    public override float Rate(long step) => Initial * MathF.Pow(0.5f, step / Every);
    public override JsonObject GetConfig() => new() { ["initial"] = Initial, ["every"] = Every };
}

/// <summary>A subclassed model: layers created in the constructor, the forward pass in Call.</summary>
public sealed class Mlp : Model
{
    private readonly Dense _hidden;
    private readonly Dropout _dropout;
    private readonly Dense _output;

    public Mlp(int hidden, int outputs, string? name = null) : base(name)
    {
        _hidden = Track(new Dense(hidden, Activation.Relu));
        _dropout = Track(new Dropout(0.1f));
        _output = Track(new Dense(outputs));
    }

    public override Tensor Call(Tensor x, bool training = false)
    {
        var h = _hidden.Call(x, training);
        return _output.Call(_dropout.Call(h, training), training);
    }
}

/// <summary>A layer made of layers: relu(x + outer(inner(x))).</summary>
public sealed class ResidualBlock : Layer
{
    private readonly Dense _inner, _outer;

    public ResidualBlock(int units, string? name = null) : base(name, null)
    {
        _inner = Track(new Dense(units, Activation.Relu, name: "inner"));
        _outer = Track(new Dense(units, name: "outer"));
    }

    public override string TypeName => "ResidualBlock";

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training) =>
        Ops.Relu(Ops.Add(x, _outer.Call(_inner.Call(x, training), training)));
}

/// <summary>A subclassed model with residual blocks and a skip connection around them.</summary>
public sealed class ResidualMlp : Model
{
    private readonly Dense _stem;
    private readonly List<ResidualBlock> _blocks = [];
    private readonly Dense _head;

    public ResidualMlp(int width, int blocks, int outputs)
    {
        _stem = Track(new Dense(width, Activation.Relu));
        for (int i = 0; i < blocks; i++) _blocks.Add(Track(new ResidualBlock(width)));
        _head = Track(new Dense(outputs));
    }

    public override Tensor Call(Tensor x, bool training = false)
    {
        var stem = _stem.Call(x, training);
        var h = stem;
        foreach (var block in _blocks) h = block.Call(h, training);
        return _head.Call(Ops.Add(h, stem), training);
    }
}

/// <summary>The page's statements, as methods the tests run.</summary>
/// <summary>Keras's MinimalRNNCell: output = x·W + h_prev·U, one state.</summary>
public sealed class MinimalRnnCell : RnnCell
{
    private Parameter? _kernel, _recurrentKernel;

    public MinimalRnnCell(int units, string? name = null) : base(name) => Units = units;

    public int Units { get; }

    public override string TypeName => "MinimalRNNCell";

    public override IReadOnlyList<int> StateSize => [Units];   // one state, (batch, units)

    protected override void OnBuild(Shape inputShape)           // (features): one step's input
    {
        _kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), Initializer.GlorotUniform);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Units), Initializer.Orthogonal);
    }

    protected override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training)
    {
        var output = Ops.Add(Ops.MatMul(inputs, _kernel!.Value), Ops.MatMul(states[0], _recurrentKernel!.Value));
        return new CellStep(output, [output]);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        return config;
    }

    public static MinimalRnnCell FromConfig(JsonObject config) =>
        new(config["units"]!.GetValue<int>(), config["name"]?.GetValue<string>());
}

public static class CustomExamples
{
    public static (Model Model, History History) TrainMinimalRnnCell(Tensor x, Tensor y, string path)
    {
        LayerRegistry.Register("MinimalRNNCell", MinimalRnnCell.FromConfig);

        var model = new Sequential(
            new Rnn(new MinimalRnnCell(32), inputShape: [10, 5]),    // (batch, 10, 5) -> (batch, 32)
            new Dense(1));
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        var history = model.Fit(x, y, epochs: 5, verbose: 0);
        model.Save(path);
        var loaded = Model.Load(path);
        return (loaded, history);
    }

    public static Tensor StackedCells(Tensor x)
    {
        var stacked = new Rnn([new MinimalRnnCell(32), new MinimalRnnCell(64)]);   // Keras's RNN([cell1, cell2])
        var y = stacked.Call(x);                                                      // (batch, 64)
        return y;
    }

    public static Model SaveAndLoadScaleShift(string path)
    {
        LayerRegistry.Register("ScaleShift", ScaleShift.FromConfig);

        var model = new Sequential(
            new Dense(8, Activation.Relu, inputShape: [4]),
            new ScaleShift(initialScale: 0.5f),
            new Dense(1));
        model.Save(path);
        var loaded = Model.Load(path);
        return loaded;
    }

    public static Model LoadWithCustomObjects(string path)
    {
        var custom = new CustomObjects().AddLayer("ScaleShift", ScaleShift.FromConfig);
        var model = Model.Load(path, custom);
        return model;
    }

    public static Model SaveAndLoadCustomRegularizer(string path)
    {
        RegularizerRegistry.Register("CenteredL2", CenteredL2.FromConfig);
        ConstraintRegistry.Register("ClipWeights", ClipWeights.FromConfig);

        var model = new Sequential(
            new Dense(8, Activation.Relu, inputShape: [4],
                kernelRegularizer: new CenteredL2(0.01f, center: 0.1f), kernelConstraint: new ClipWeights(-0.5f, 0.5f)),
            new Dense(1));
        model.Save(path);
        var loaded = Model.Load(path);
        return loaded;
    }

    public static Model LoadCustomRegularizerForOneLoad(string path)
    {
        var custom = new CustomObjects()
            .AddRegularizer("CenteredL2", CenteredL2.FromConfig)
            .AddConstraint("ClipWeights", ClipWeights.FromConfig);
        var model = Model.Load(path, custom);
        return model;
    }

    public static History FitWithCustomLoss(Model model, Tensor x, Tensor y)
    {
        model.Compile(new Adam(0.01f), new SquaredMargin(), metrics: [new MaxAbsoluteError()]);
        var history = model.Fit(x, y, epochs: 20, verbose: 0, callbacks: [new StopAtLoss(0.05)]);
        return history;
    }

    public static Model SaveAndLoadCustomLossAndMetric(Model model, Tensor x, Tensor y, string path)
    {
        model.Compile(new Adam(0.01f), new SquaredMargin(), metrics: [new MaxAbsoluteError()]);
        model.Fit(x, y, epochs: 20, verbose: 0);
        model.Save(path);                                   // keeps "SquaredMargin" and "MaxAbsoluteError" by name

        var custom = new CustomObjects().AddLoss<SquaredMargin>().AddMetric<MaxAbsoluteError>();
        var loaded = Model.Load(path, custom);              // compiled: Evaluate and Fit run at once
        return loaded;
    }

    public static Model SaveAndLoadLossFunction(Model model, Tensor x, Tensor y, string path)
    {
        var halfSquared = Loss.FromFunction("half_squared_error", (yTrue, yPred) =>
        {
            var d = Ops.Subtract(yPred, yTrue);
            return Ops.Affine(Ops.SumLastAxis(Ops.Multiply(d, d)), 0.5f);   // one value per sample
        });
        model.Compile(new Adam(0.01f), halfSquared);
        model.Fit(x, y, epochs: 5, verbose: 0);
        model.Save(path);
        var loaded = Model.Load(path, new CustomObjects().AddLoss(halfSquared));
        return loaded;
    }

    public static Model SaveAndLoadCustomOptimizer(Model model, Tensor x, Tensor y, string path)
    {
        model.Compile(new DampedMomentum(new Halving(0.05f, 100), 0.8f) { ClipNorm = 1f }, new MeanSquaredError());
        model.Fit(x, y, epochs: 5);
        model.Save(path);
        var custom = new CustomObjects()
            .AddOptimizer("DampedMomentum", (config, lr) => new DampedMomentum(lr, config["damping"]!.GetValue<float>()))
            .AddSchedule("Halving", config => new Halving(config["initial"]!.GetValue<float>(), config["every"]!.GetValue<int>()));
        var loaded = Model.Load(path, custom);             // compiled, iterations and velocity restored
        return loaded;
    }

    public static (Mlp Model, History History) TrainSubclassedModel(Tensor x, Tensor y, string weightsPath)
    {
        var model = new Mlp(hidden: 32, outputs: 1);
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        var history = model.Fit(x, y, epochs: 10, batchSize: 16, verbose: 0);
        model.Summary();
        model.SaveWeights(weightsPath);

        var restored = new Mlp(hidden: 32, outputs: 1);
        restored.Build(new Shape(4));
        restored.LoadWeights(weightsPath);
        return (restored, history);
    }

    public static float CustomTrainingLoop(Tensor x, Tensor y)
    {
        var model = new Mlp(hidden: 16, outputs: 1);
        var optimizer = new Adam(0.01f);
        var loss = new MeanSquaredError();
        float last = float.NaN;
        for (int step = 0; step < 100; step++)
        {
            var prediction = model.Call(x, training: true);
            var value = loss.Compute(y, prediction);
            model.ZeroGrad();
            value.Backward();
            optimizer.Apply(model.TrainableParameters);
            last = value.Item();
        }

        return last;
    }

    public static (float Evaluated, float LastRate) PyTorchStyleEpochs(Tensor x, Tensor y)
    {
        var net = new Mlp(hidden: 16, outputs: 1);
        var adam = new Adam(0.02f);
        var mse = new MeanSquaredError();
        var halving = new ExponentialDecay(0.02f, decaySteps: 1, decayRate: 0.5f, staircase: true);
        var loader = new DataLoader(new TensorDataset(x, y), batchSize: 16, shuffle: true);
        for (int epoch = 0; epoch < 5; epoch++)
        {
            adam.LearningRate = halving.Rate(epoch);                    // 0.02, 0.01, 0.005, ...
            foreach (Batch batch in loader.Pass())
            {
                net.ZeroGrad();
                var batchLoss = mse.Compute(batch.Y, net.Call(batch.X, training: true));
                batchLoss.Backward();
                adam.Apply(net.TrainableParameters);
            }
        }
        float evaluated;
        using (NoGrad.Scope()) evaluated = mse.Compute(y, net.Call(x)).Item();

        return (evaluated, adam.LearningRate);
    }
}

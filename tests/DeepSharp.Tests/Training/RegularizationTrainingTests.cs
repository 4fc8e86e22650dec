using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Regularizers and constraints in training (issue 13, item 12): the penalties are part of the loss
/// Fit, TrainOnBatch and Evaluate minimise and log (Keras's compute_loss adds model.losses), SGD
/// takes w ← w − lr·(g + 2·l2·w), activity penalties are divided by the batch size, and constraints
/// project the weights after each optimizer step.
/// </summary>
public class RegularizationTrainingTests
{
    private const int Batch = 4, In = 3, Out = 2;

    private static (Tensor X, Tensor Y) Data(int samples = Batch)
    {
        var generator = new RandomGenerator(11);
        return (Tensor.RandomNormal(new Shape(samples, In), generator: generator), Tensor.RandomNormal(new Shape(samples, Out), generator: generator));
    }

    private static Sequential Compiled(Dense dense, float lr = 0.1f)
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(dense);
        model.Compile(new Sgd(lr), new MeanSquaredError());
        return model;
    }

    /// <summary>Mean squared error of x·W + b against y, and its gradients, in double.</summary>
    private static (double Loss, double[] DW, double[] DB) Mse(float[] w, float[] b, Tensor x, Tensor y)
    {
        var xs = x.ToArray();
        var ys = y.ToArray();
        int n = x.Shape[0];
        var dw = new double[In * Out];
        var db = new double[Out];
        double loss = 0;
        for (int s = 0; s < n; s++)
            for (int o = 0; o < Out; o++)
            {
                double pred = b[o];
                for (int i = 0; i < In; i++) pred += xs[s * In + i] * w[i * Out + o];
                double d = pred - ys[s * Out + o];
                loss += d * d / (n * Out);
                double g = 2 * d / (n * Out);
                db[o] += g;
                for (int i = 0; i < In; i++) dw[i * Out + o] += g * xs[s * In + i];
            }
        return (loss, dw, db);
    }

    [Fact]
    public void SgdWithL2TakesTheHandWrittenStepAndLogsThePenalty()
    {
        const float lr = 0.1f, l2 = 0.05f;
        var (x, y) = Data();
        var model = Compiled(new Dense(Out, kernelRegularizer: new L2(l2), inputShape: [In]), lr);
        var kernel = model.Parameters.First(p => p.Name == "kernel");
        var bias = model.Parameters.First(p => p.Name == "bias");
        bias.Value.Span.Fill(0.3f); // a bias the penalty must not touch
        var w = kernel.Value.ToArray();
        var b = bias.Value.ToArray();
        var (mse, dw, db) = Mse(w, b, x, y);
        double penalty = l2 * w.Sum(v => (double)v * v);

        var logs = model.TrainOnBatch(x, y);

        Assert.Equal(mse + penalty, logs["loss"], 5);
        var w1 = kernel.Value.ToArray();
        var b1 = bias.Value.ToArray();
        for (int i = 0; i < w.Length; i++) Assert.Equal(w[i] - lr * (dw[i] + 2 * l2 * w[i]), w1[i], 5);
        for (int o = 0; o < Out; o++) Assert.Equal(b[o] - lr * db[o], b1[o], 5);
    }

    [Fact]
    public void FitAndEvaluateCountThePenalties()
    {
        var (x, y) = Data();
        var model = Compiled(new Dense(Out, kernelRegularizer: new L1L2(0.02f, 0.03f), biasRegularizer: new L1(0.5f), inputShape: [In]));
        var kernel = model.Parameters.First(p => p.Name == "kernel");
        var bias = model.Parameters.First(p => p.Name == "bias");
        bias.Value.Span.Fill(-0.2f);

        double Expected()
        {
            var w = kernel.Value.ToArray();
            var b = bias.Value.ToArray();
            return Mse(w, b, x, y).Loss + 0.02 * w.Sum(v => Math.Abs((double)v)) + 0.03 * w.Sum(v => (double)v * v)
                + 0.5 * b.Sum(v => Math.Abs((double)v));
        }

        double before = Expected();
        Assert.Equal(before, model.Evaluate(x, y, batchSize: Batch)["loss"], 5);
        Assert.Equal(before, model.TestOnBatch(x, y)["loss"], 5);
        var history = model.Fit(x, y, batchSize: Batch, epochs: 1, verbose: 0, shuffle: false);
        Assert.Equal(before, history["loss"][0], 5);       // Keras logs the loss with the penalties
        Assert.Equal(Expected(), model.Evaluate(x, y, batchSize: Batch)["loss"], 5);

        var listed = model.RegularizationLosses;            // Keras's model.losses: one per regularized weight
        Assert.Equal(2, listed.Count);
        Assert.Equal(Expected() - Mse(kernel.Value.ToArray(), bias.Value.ToArray(), x, y).Loss, listed.Sum(t => (double)t.Item()), 5);
    }

    [Fact]
    public void ActivityPenaltyIsDividedByTheBatchSize()
    {
        const float l1 = 0.1f;
        var (x, y) = Data(8);
        var model = Compiled(new Dense(Out, activityRegularizer: new L1(l1), inputShape: [In]));
        var w = model.Parameters.First(p => p.Name == "kernel").Value.ToArray();
        var b = new float[Out];
        var output = model.Predict(x).ToArray();
        double activity = l1 * output.Sum(v => Math.Abs((double)v)) / 8; // Keras 3: penalty / batch size

        Assert.Equal(Mse(w, b, x, y).Loss + activity, model.Evaluate(x, y, batchSize: 8)["loss"], 5);
        // Two batches of 4: each batch's mean; the logged loss is their mean, the same number here.
        Assert.Equal(Mse(w, b, x, y).Loss + activity, model.Evaluate(x, y, batchSize: 4)["loss"], 5);
    }

    [Fact]
    public void ActivityPenaltyGetsGradients()
    {
        var (x, y) = Data();
        var plain = Compiled(new Dense(Out, inputShape: [In]));
        var regularized = Compiled(new Dense(Out, activityRegularizer: new L2(0.5f), inputShape: [In]));
        plain.TrainOnBatch(x, y);
        regularized.TrainOnBatch(x, y);
        Assert.NotEqual(plain.Parameters.First().Value.ToArray(), regularized.Parameters.First().Value.ToArray());

        // In a custom loop, the layer keeps its latest call's penalty among its regularization losses.
        var layer = new Dense(Out, activityRegularizer: new L2(0.5f), kernelRegularizer: new L1());
        var output = layer.Call(x, training: true);
        var losses = layer.RegularizationLosses;
        Assert.Equal(2, losses.Count);
        Assert.Equal(0.5 * output.ToArray().Sum(v => (double)v * v) / Batch, losses[1].Item(), 5);
        Ops.Add(losses[0], losses[1]).Backward();
        Assert.NotNull(layer.Parameters[0].Value.Grad);
        using (NoGrad.Scope()) layer.Call(x);
        Assert.Single(layer.RegularizationLosses); // inference does not record one
    }

    [Fact]
    public void EveryReturnedTensorIsPenalisedAsKerasDoes()
    {
        // An LSTM with returnState returns the output, h and c: Keras's __call__ penalises each.
        RandomGenerator.SetGlobalSeed(6);
        var lstm = new Lstm(2, returnState: true, activityRegularizer: new L2(0.1f));
        var x = Tensor.RandomNormal(new Shape(Batch, 3, In), generator: new RandomGenerator(1));
        var outputs = lstm.CallWithState(x, training: true);
        Assert.Equal(3, outputs.Count);
        double expected = outputs.Sum(o => 0.1 * o.ToArray().Sum(v => (double)v * v) / Batch);
        Assert.Equal(expected, Assert.Single(lstm.RegularizationLosses).Item(), 5);

        // Attention with its scores: the output and the (batch, heads, Tq, Tk) scores.
        var attention = new MultiHeadAttention(2, 2, activityRegularizer: new L1(0.2f));
        var q = Tensor.RandomNormal(new Shape(Batch, 3, 4), generator: new RandomGenerator(2));
        var (output, scores) = attention.CallWithScores(q, q, training: true);
        expected = 0.2 * (output.ToArray().Sum(v => Math.Abs((double)v)) + scores.ToArray().Sum(v => Math.Abs((double)v))) / Batch;
        Assert.Equal(expected, Assert.Single(attention.RegularizationLosses).Item(), 5);
    }

    [Fact]
    public void ConstraintsProjectTheWeightsAfterEachStep()
    {
        const float lr = 0.5f, maxValue = 0.4f;
        var (x, y) = Data();
        var model = Compiled(new Dense(Out, kernelConstraint: new MaxNorm(maxValue), biasConstraint: new NonNeg(), inputShape: [In]), lr);
        var kernel = model.Parameters.First(p => p.Name == "kernel");
        var bias = model.Parameters.First(p => p.Name == "bias");
        var w = kernel.Value.ToArray();
        var (_, dw, db) = Mse(w, new float[Out], x, y);

        model.TrainOnBatch(x, y);

        // The plain SGD step, then each column (a unit's incoming weights) scaled to norm ≤ maxValue.
        var stepped = new double[w.Length];
        for (int i = 0; i < w.Length; i++) stepped[i] = w[i] - lr * dw[i];
        var w1 = kernel.Value.ToArray();
        for (int o = 0; o < Out; o++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, In).Sum(i => stepped[i * Out + o] * stepped[i * Out + o]));
            double scale = Math.Min(norm, maxValue) / (1e-7 + norm);
            for (int i = 0; i < In; i++) Assert.Equal(stepped[i * Out + o] * scale, w1[i * Out + o], 5);
        }
        var b1 = bias.Value.ToArray();
        for (int o = 0; o < Out; o++) Assert.Equal(Math.Max(0, -lr * db[o]), b1[o], 5);
    }

    [Fact]
    public void ConstraintsNeverTouchTheGradient()
    {
        var (x, y) = Data();
        var free = Compiled(new Dense(Out, inputShape: [In]));
        var constrained = Compiled(new Dense(Out, kernelConstraint: new UnitNorm(), inputShape: [In]));
        free.TrainOnBatch(x, y);
        constrained.TrainOnBatch(x, y);
        Assert.Equal(free.Parameters.First().Value.Grad!.ToArray(), constrained.Parameters.First().Value.Grad!.ToArray());
        var w = constrained.Parameters.First().Value.ToArray();
        for (int o = 0; o < Out; o++)
            Assert.Equal(1.0, Math.Sqrt(Enumerable.Range(0, In).Sum(i => (double)w[i * Out + o] * w[i * Out + o])), 5);
    }

    [Fact]
    public void TheDocsExampleTrainsWithinItsConstraint()
    {
        // docs/layers.md, "Regularizers and constraints", on small images; a tight max norm so it binds.
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential(
            new Conv2D(4, (3, 3), activation: Activation.Relu, kernelRegularizer: new L2(1e-4f),
                kernelConstraint: new MaxNorm(0.3f, [0, 1, 2]), inputShape: [6, 6, 1]),
            new Flatten(),
            new Dense(3, Activation.Softmax, activityRegularizer: new L1(1e-5f)));
        model.Compile(new Adam(0.05f), new CategoricalCrossentropy());
        var generator = new RandomGenerator(2);
        var x = Tensor.RandomUniform(new Shape(12, 6, 6, 1), generator: generator);
        var y = Tensor.Zeros(12, 3);
        for (int i = 0; i < 12; i++) y.Span[i * 3 + i % 3] = 1f;
        var history = model.Fit(x, y, batchSize: 4, epochs: 2, verbose: 0);
        Assert.All(history["loss"], l => Assert.True(double.IsFinite(l)));
        var kernel = model.Parameters.First().Value.ToArray(); // (3, 3, 1, 4): one norm per filter
        for (int f = 0; f < 4; f++)
        {
            double sum = 0;
            for (int i = f; i < kernel.Length; i += 4) sum += (double)kernel[i] * kernel[i];
            Assert.True(Math.Sqrt(sum) <= 0.3 + 1e-6, $"filter {f} has norm {Math.Sqrt(sum)}");
        }
    }

    [Fact]
    public void EveryRegularizedWeightOfAModelIsPenalised()
    {
        // Keras's model.losses: one penalty per regularized trainable weight, sublayers and wrappers
        // included (Bidirectional's two directions; MultiHeadAttention's four projections).
        var input = Model.Input([4, 3]);
        var x = new Bidirectional(new Lstm(2, returnSequences: true, kernelRegularizer: new L2())).Call(input);
        x = new MultiHeadAttention(2, 2, kernelRegularizer: new L1(), biasRegularizer: new L2()).Call(x, x);
        x = new LayerNormalization(gammaRegularizer: new L2(), betaRegularizer: new L1()).Call(x);
        var model = new Model(input, new Dense(1, kernelRegularizer: new L1L2(0.1f, 0.1f)).Call(x));
        Assert.Equal(2 + 8 + 2 + 1, model.RegularizationLosses.Count);
        double byHand = 0;
        foreach (var p in model.Parameters.Where(p => p.Regularizer is not null))
        {
            var w = p.Value.ToArray();
            byHand += p.Regularizer switch
            {
                L1 r => r.Factor * w.Sum(v => Math.Abs((double)v)),
                L2 r => r.Factor * w.Sum(v => (double)v * v),
                L1L2 r => r.L1 * w.Sum(v => Math.Abs((double)v)) + r.L2 * w.Sum(v => (double)v * v),
                _ => throw new InvalidOperationException(),
            };
        }
        Assert.Equal(byHand, model.RegularizationLosses.Sum(t => (double)t.Item()), 4);
    }

    [Fact]
    public void RegularizationAddsLittleToAStepsAllocations()
    {
        // The same network without and with three weight penalties, an activity penalty and two
        // constraints: only the penalties' autograd nodes are new (one node of about 100 B per penalty;
        // no lists, enumerators or arrays).
        long plain = SteadyStepBytes(new Sequential(new Dense(16, Activation.Relu, inputShape: [8]), new Dense(4)));
        long regularized = SteadyStepBytes(new Sequential(
            new Dense(16, Activation.Relu, kernelRegularizer: new L2(), biasRegularizer: new L1(), activityRegularizer: new L1(),
                kernelConstraint: new MaxNorm(), inputShape: [8]),
            new Dense(4, kernelRegularizer: new L1L2(0.01f, 0.01f), biasConstraint: new NonNeg())));
        Assert.True(plain <= 1024, $"A plain step allocated {plain} B.");
        Assert.True(regularized - plain <= 4 * 128, $"Regularization added {regularized - plain} B per step ({plain} B → {regularized} B).");
    }

    private static long SteadyStepBytes(Sequential model)
    {
        var generator = new RandomGenerator(3);
        var x = Tensor.RandomNormal(new Shape(16 * 40, 8), generator: generator);
        var y = Tensor.RandomNormal(new Shape(16 * 40, 4), generator: generator);
        model.Compile(new Adam(), new MeanSquaredError());
        var meter = new StepAllocationMeter();
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, callbacks: [meter]);
        return meter.SteadyMedian();
    }
}

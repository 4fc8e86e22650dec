using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Keras 3's gradient_accumulation_steps: N calls of batch B move the weights as one call of batch N·B (for
/// layers that do not look across the batch), the step count, schedule and weight decay advance on the N-th
/// call only, clipping applies to the average, and the accumulators are state.
/// </summary>
public class GradientAccumulationTests
{
    private const int Batch = 5, Updates = 3;

    private static Optimizer Make(string name, int? accumulation) => name switch
    {
        "sgd" => new Sgd(0.1f) { GradientAccumulationSteps = accumulation },
        "sgd-momentum-decay" => new Sgd(0.1f, momentum: 0.9f) { WeightDecay = 0.05f, GradientAccumulationSteps = accumulation },
        "adam" => new Adam(0.01f) { GradientAccumulationSteps = accumulation },
        "adam-clipnorm-schedule" => new Adam(new ExponentialDecay(0.01f, decaySteps: 1, decayRate: 0.5f)) { ClipNorm = 0.05f, GradientAccumulationSteps = accumulation },
        "adamw-globalclip" => new AdamW(0.01f, weightDecay: 0.1f) { GlobalClipNorm = 0.05f, GradientAccumulationSteps = accumulation },
        _ => throw new ArgumentException(name),
    };

    /// <summary>A model without batch-dependent layers, seeded, trained on one pass of <paramref name="batch"/>-sample batches in order.</summary>
    private static (float[][] Weights, Optimizer Optimizer) Train(string optimizer, int samples, int batch, int? accumulation)
    {
        var x = Tensor.RandomUniform(new Shape(samples, 4), -1f, 1f, new RandomGenerator(3));
        var y = Tensor.RandomUniform(new Shape(samples, 2), -1f, 1f, new RandomGenerator(4));
        RandomGenerator.SetGlobalSeed(7);
        var model = new Sequential(new Dense(6, Activation.Tanh, inputShape: [4]), new Dense(2));
        var o = Make(optimizer, accumulation);
        model.Compile(o, new MeanSquaredError());
        model.Fit(x, y, batch, epochs: 1, verbose: 0, shuffle: false);
        return (model.Parameters.Select(p => p.Value.ToArray()).ToArray(), o);
    }

    [Theory]
    [InlineData("sgd", 2)]
    [InlineData("sgd", 4)]
    [InlineData("sgd-momentum-decay", 3)]
    [InlineData("adam", 2)]
    [InlineData("adam", 4)]
    [InlineData("adam-clipnorm-schedule", 3)]
    [InlineData("adamw-globalclip", 3)]
    public void AccumulatedStepsMatchOneLargerBatch(string optimizer, int n)
    {
        var (accumulated, a) = Train(optimizer, Batch * n * Updates, Batch, n);
        var (large, b) = Train(optimizer, Batch * n * Updates, Batch * n, null);
        Assert.Equal(Updates, a.Iterations);
        Assert.Equal(Updates, b.Iterations);
        Assert.Equal(0, a.AccumulatedSteps);
        Assert.Equal(b.LearningRate, a.LearningRate); // the schedule moved once per update
        double moved = 0;
        for (int i = 0; i < large.Length; i++)
            for (int j = 0; j < large[i].Length; j++)
            {
                Assert.True(Math.Abs(large[i][j] - accumulated[i][j]) <= 2e-6f * (1 + Math.Abs(large[i][j])),
                    $"{optimizer}, N={n}: weight {i}[{j}] is {accumulated[i][j]} accumulated, {large[i][j]} in one batch");
                moved += Math.Abs(large[i][j]);
            }
        Assert.True(moved > 0);
        // Without accumulation, the same small batches take N times as many steps and end elsewhere.
        var (plain, _) = Train(optimizer, Batch * n * Updates, Batch, null);
        Assert.NotEqual(large[0], plain[0]);
    }

    [Fact]
    public void OnlyTheNthCallUpdatesWithTheAverage()
    {
        var p = OptimizerTests.OneWeight([1f, -2f, 0.5f]);
        var q = OptimizerTests.OneWeight([1f, -2f, 0.5f]);
        var accumulating = new Adam(0.1f) { GradientAccumulationSteps = 3, ClipValue = 0.4f };
        var plain = new Adam(0.1f) { ClipValue = 0.4f };
        var g = OptimizerTests.Gradients;
        for (int t = 0; t < 2; t++)
        {
            accumulating.ApplyGradients([(Tensor.FromArray((float[])g[t].Clone(), 1, 3), p)]);
            Assert.Equal([1f, -2f, 0.5f], p.Value.ToArray());
            Assert.Equal((0L, t + 1), (accumulating.Iterations, accumulating.AccumulatedSteps));
        }
        accumulating.ApplyGradients([(Tensor.FromArray((float[])g[2].Clone(), 1, 3), p)]);
        Assert.Equal((1L, 0), (accumulating.Iterations, accumulating.AccumulatedSteps));
        // Keras's arithmetic: accumulator = g0 + g1, then (g2 + accumulator) / 3, clipped, then one Adam step.
        var average = new float[3];
        for (int i = 0; i < 3; i++) average[i] = (g[2][i] + (0f + g[0][i] + g[1][i])) / 3f;
        q.Value.Grad = Tensor.FromArray(average, 1, 3);
        plain.Apply([q]);
        Assert.Equal(q.Value.ToArray(), p.Value.ToArray());
        Assert.NotEqual([1f, -2f, 0.5f], p.Value.ToArray());
    }

    [Fact]
    public void StateMidAccumulationResumesBitForBit()
    {
        var a = OptimizerTests.OneWeight([1f, -2f, 0.5f]);
        var first = new Nadam(0.05f) { GradientAccumulationSteps = 2 };
        void Step(Optimizer o, Parameter p, int t)
        {
            p.Value.Grad = Tensor.FromArray((float[])OptimizerTests.Gradients[t % 3].Clone(), 1, 3);
            o.Apply([p]);
        }
        for (int t = 0; t < 3; t++) Step(first, a, t);
        var state = first.GetState();
        Assert.Equal((1L, 1.0), (state.Iterations, state.Scalars["accumulated_steps"]));
        Assert.Contains(a.Path + "/" + Optimizer.AccumulatorSlot, state.Tensors.Keys);

        var b = OptimizerTests.OneWeight(a.Value.ToArray());
        var second = new Nadam(0.05f) { GradientAccumulationSteps = 2 };
        second.SetState(state);
        Assert.Equal(1, second.AccumulatedSteps);
        for (int t = 3; t < 6; t++)
        {
            Step(first, a, t);
            Step(second, b, t);
            Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
        }
        Assert.Equal((first.Iterations, first.AccumulatedSteps), (second.Iterations, second.AccumulatedSteps));

        // A state with accumulated gradients does not fit an optimizer that does not accumulate, nor a pending count past N − 1.
        var e = Assert.Throws<ArgumentException>(() => new Nadam().SetState(state));
        Assert.Contains("GradientAccumulationSteps", e.Message);
        state.Scalars["accumulated_steps"] = 2;
        e = Assert.Throws<ArgumentException>(() => new Nadam { GradientAccumulationSteps = 2 }.SetState(state));
        Assert.Contains("accumulated 2 step(s)", e.Message);
    }

    [Fact]
    public void SettingIsChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd { GradientAccumulationSteps = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd { GradientAccumulationSteps = 0 });
        var sgd = new Sgd { GradientAccumulationSteps = 3 };
        var p = OptimizerTests.OneWeight([1f, 2f, 3f]);
        p.Value.Grad = Tensor.FromArray([1f, 1f, 1f], 1, 3);
        sgd.Apply([p]);
        var e = Assert.Throws<InvalidOperationException>(() => sgd.GradientAccumulationSteps = 4);
        Assert.Contains("1 step(s) not yet applied", e.Message);
        Assert.Throws<ShapeMismatchException>(() => sgd.ApplyGradients([(Tensor.Zeros(new Shape(3)), p)]));
    }

    [Fact]
    public void ModelFileKeepsTheSettingAndTheAccumulators()
    {
        using var folder = new TempFolder();
        RandomGenerator.SetGlobalSeed(1);
        var model = new Sequential(new Dense(2, inputShape: [3]));
        model.Compile(new Adam { GradientAccumulationSteps = 4 }, new MeanSquaredError());
        var x = Tensor.RandomUniform(new Shape(6, 3), -1f, 1f, new RandomGenerator(2));
        var y = Tensor.RandomUniform(new Shape(6, 2), -1f, 1f, new RandomGenerator(3));
        model.Fit(x, y, batchSize: 1, epochs: 1, verbose: 0, shuffle: false); // 6 calls: one update, 2 pending
        Assert.Equal((1L, 2), (model.Optimizer!.Iterations, model.Optimizer.AccumulatedSteps));
        string path = folder.File("m.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(4, loaded.Optimizer!.GradientAccumulationSteps);
        Assert.Equal((1L, 2), (loaded.Optimizer.Iterations, loaded.Optimizer.AccumulatedSteps));
        model.Fit(x, y, batchSize: 1, epochs: 1, verbose: 0, shuffle: false);
        loaded.Fit(x, y, batchSize: 1, epochs: 1, verbose: 0, shuffle: false);
        Assert.Equal(model.Parameters.Select(p => p.Value.ToArray()), loaded.Parameters.Select(p => p.Value.ToArray()));
    }
}

using DeepSharp.Compression;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using static DeepSharp.Tests.Compression.PruningTestModels;

namespace DeepSharp.Tests.Compression;

/// <summary>Magnitude pruning: exact sparsity at every schedule step, masks that hold through Adam, Summary, StripPruning.</summary>
public class PruningTests
{
    /// <summary>Records, before each step (after the pruning callback has run), the zero count of each kernel.</summary>
    private sealed class ZeroRecorder(params string[] paths) : Callback
    {
        public List<(long Step, int[] Zeros)> Records { get; } = [];
        public override void OnTrainBatchBegin(int step) =>
            Records.Add((Model!.Optimizer!.Iterations, paths.Select(p => Zeros(Weight(Model!, p).Value)).ToArray()));
    }

    private static int Pruned(int n, double sparsity) => n - (int)Math.Round(n * (1 - sparsity), MidpointRounding.ToEven);

    [Fact]
    public void PerLayerSparsityIsExactAtEveryScheduleStep()
    {
        var (model, x, y) = Mlp();
        var schedule = new PolynomialDecaySparsity(0.25f, 0.8f, beginStep: 1, endStep: 9, frequency: 2);
        var recorder = new ZeroRecorder("dense/kernel", "dense_1/kernel");
        model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0, callbacks: [new PruningCallback(schedule), recorder]); // 12 steps
        long lastUpdate = -1;
        foreach (var (step, zeros) in recorder.Records)
        {
            if (schedule.ShouldPrune(step)) lastUpdate = step;
            double s = lastUpdate < 0 ? 0 : schedule.Sparsity(lastUpdate);
            Assert.Equal(Pruned(60, s), zeros[0]);
            Assert.Equal(Pruned(30, s), zeros[1]);
        }
        Assert.Equal(12, recorder.Records.Count);
        // After the last step the masks still hold: 80 % of each kernel, none of the biases.
        Assert.Equal(Pruned(60, 0.8), Zeros(Weight(model, "dense/kernel").Value));
        Assert.Equal(0, Zeros(Weight(model, "dense/bias").Value));
        Assert.Equal(Pruned(60, 0.8) / 60.0, Pruning.Sparsity(model)["dense"], 9);
    }

    [Fact]
    public void GlobalSparsityIsExactOverAllKernelsAndFavoursLargeWeights()
    {
        var (model, x, y) = Mlp();
        model.Build(new DeepSharp.Tensors.Shape(6));
        var big = Weight(model, "dense_1/kernel").Value.Span;
        for (int i = 0; i < big.Length; i++) big[i] = 10f + MathF.Abs(big[i]); // the second layer's weights are all larger
        var recorder = new ZeroRecorder("dense/kernel", "dense_1/kernel");
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0,
            callbacks: [new PruningCallback(new ConstantSparsity(0.5f, 0, frequency: 1), PruningScope.Global), recorder]);
        foreach (var (_, zeros) in recorder.Records) Assert.Equal(Pruned(90, 0.5), zeros[0] + zeros[1]);
        Assert.Equal(45, recorder.Records[0].Zeros[0]); // every pruned weight comes from the small layer
    }

    [Fact]
    public void AdamNeverRevivesAPrunedWeightAndItsMomentsStayZero()
    {
        var (model, x, y) = Mlp();
        model.Build(new DeepSharp.Tensors.Shape(6));
        Pruning.Prune(model, 0.7f);
        var kernel = Weight(model, "dense/kernel").Value;
        var pruned = kernel.ToArray().Select((w, i) => (w, i)).Where(t => t.w == 0f).Select(t => t.i).ToArray();
        Assert.Equal(Pruned(60, 0.7), pruned.Length);
        model.Fit(x, y, batchSize: 8, epochs: 2, verbose: 0);
        var state = model.Optimizer!.GetState();
        var w = kernel.ToArray();
        var m = state.Tensors["dense/kernel/momentum"].ToArray();
        var v = state.Tensors["dense/kernel/velocity"].ToArray();
        foreach (int i in pruned)
        {
            Assert.Equal(0f, w[i]);
            Assert.Equal(0f, m[i]);
            Assert.Equal(0f, v[i]);
        }
        Assert.Equal(pruned.Length, Zeros(kernel)); // and the kept weights trained (none became exactly 0)
        Assert.True(model.Optimizer.Iterations == 16);
    }

    [Fact]
    public void SummaryShowsEachPrunedLayersSparsity()
    {
        var (model, _, _) = Mlp();
        model.Build(new DeepSharp.Tensors.Shape(6));
        Assert.DoesNotContain("Sparsity", model.Summary(_ => { }));
        Pruning.Prune(model, 0.5f);
        string summary = model.Summary(_ => { });
        Assert.Contains("Sparsity (pruned of prunable weights):", summary);
        Assert.Contains("   dense: 50.00 % (30 of 60)", summary);
        Assert.Contains("   dense_1: 50.00 % (15 of 30)", summary);
    }

    [Fact]
    public void StripPruningRemovesTheMasksAndKeepsTheZeros()
    {
        var (model, x, y) = Mlp();
        model.Build(new DeepSharp.Tensors.Shape(6));
        Pruning.Prune(model, 0.5f);
        Assert.True(Pruning.IsPruned(model));
        Pruning.StripPruning(model);
        Assert.False(Pruning.IsPruned(model));
        Assert.Equal(30, Zeros(Weight(model, "dense/kernel").Value));
        Assert.DoesNotContain("Sparsity", model.Summary(_ => { }));
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0); // nothing holds the zeros any more
        Assert.True(Zeros(Weight(model, "dense/kernel").Value) < 30);
    }

    [Fact]
    public void PruningAnUnbuiltModelOrOneWithoutKernelsIsRefused()
    {
        Assert.Throws<InvalidOperationException>(() => Pruning.Prune(new Sequential(new DeepSharp.Nn.Layers.Dense(2)), 0.5f));
        var (model, _, _) = Mlp();
        Assert.Throws<InvalidOperationException>(() => Pruning.Prune(model, 0.5f, select: p => p.Name == "gamma"));
        Assert.Throws<ArgumentException>(() => Pruning.Prune(model, 1f));
    }
}

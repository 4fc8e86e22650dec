using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>BatchNormalization's training/inference split and its moving statistics, LayerNormalization's output.</summary>
public class NormalizationBehaviourTests
{
    private static readonly Tensor Batch = Tensor.FromArray([1f, 10f, 3f, 20f, 5f, 60f, 7f, 30f], 4, 2); // channel means 4 and 30

    [Fact]
    public void TrainingUsesBatchStatisticsAndUpdatesMovingOnes()
    {
        var bn = new BatchNormalization(momentum: 0.9f);
        var y = bn.Call(Batch, training: true).ToArray();
        // Channel 0: mean 4, biased variance 5 → (x − 4)/√5.001.
        Assert.Equal(-3f / MathF.Sqrt(5.001f), y[0], 5);
        Assert.Equal(3f / MathF.Sqrt(5.001f), y[6], 5);
        Assert.Equal(0f, y.Where((_, i) => i % 2 == 1).Sum(), 4);
        // moving = 0.9·moving + 0.1·batch, from mean 0 and variance 1.
        Assert.Equal(0.4f, bn.MovingMean!.ToArray()[0], 5);
        Assert.Equal(3f, bn.MovingMean!.ToArray()[1], 5);
        Assert.Equal(0.9f + 0.1f * 5f, bn.MovingVariance!.ToArray()[0], 5);
        Assert.Equal(0.9f + 0.1f * 350f, bn.MovingVariance!.ToArray()[1], 4);
        Assert.False(bn.Parameters.Single(p => p.Name == "moving_mean").Trainable);
    }

    [Fact]
    public void InferenceUsesMovingStatisticsAndChangesNothing()
    {
        var bn = new BatchNormalization();
        var y = bn.Call(Batch).ToArray();
        var expected = Batch.ToArray().Select(v => v / MathF.Sqrt(1.001f)).ToArray();
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 5);
        Assert.Equal([0f, 0f], bn.MovingMean!.ToArray());
        Assert.Equal([1f, 1f], bn.MovingVariance!.ToArray());
    }

    [Fact]
    public void MovingStatisticsConvergeToTheDataStatistics()
    {
        var bn = new BatchNormalization(momentum: 0.5f);
        for (int i = 0; i < 40; i++) bn.Call(Batch, training: true);
        Assert.Equal(4f, bn.MovingMean!.ToArray()[0], 4);
        Assert.Equal(350f, bn.MovingVariance!.ToArray()[1], 2);
        var inference = bn.Call(Batch).ToArray();
        var training = bn.Call(Batch, training: true).ToArray();
        for (int i = 0; i < inference.Length; i++) Assert.Equal(training[i], inference[i], 4);
    }

    [Fact]
    public void LayerNormalizationNormalisesEachSample()
    {
        var y = new LayerNormalization().Call(Batch).ToArray();
        // Row (1, 10): mean 5.5, variance 20.25 → ±4.5/√20.251.
        Assert.Equal(-4.5f / MathF.Sqrt(20.251f), y[0], 5);
        Assert.Equal(4.5f / MathF.Sqrt(20.251f), y[1], 5);
    }
}

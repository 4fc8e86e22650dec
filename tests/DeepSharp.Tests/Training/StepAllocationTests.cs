using DeepSharp.Tensors;

namespace DeepSharp.Tests.Training;

/// <summary>
/// A training step after warm-up allocates (almost) no managed memory (DESIGN.md §3): pooled
/// temporaries, interned shapes, reused logs. Bytes, not time: deterministic on any machine.
/// </summary>
public class StepAllocationTests
{
    [Fact]
    public void ASeedCnnTrainingStepAllocatesUnderOneKilobyte()
    {
        var generator = new RandomGenerator(3);
        var x = Tensor.RandomUniform(new Shape(16 * 40, 28, 28, 1), generator: generator);
        var labels = new float[16 * 40 * 10];
        for (int i = 0; i < 16 * 40; i++) labels[i * 10 + i % 10] = 1f;
        var y = Tensor.FromArray(labels, 16 * 40, 10);
        var model = SeedModel.Create();
        var meter = new StepAllocationMeter();

        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, callbacks: [meter]);

        // Whole cycles (batch end to batch end: gather, forward, loss, backward, Adam, metrics, logs)
        // after the first steps have warmed the pools.
        long median = meter.SteadyMedian();
        Assert.True(median <= 1024, $"A training step allocated {median} B (median); all: {string.Join(",", meter.PerStep)}");
    }
}

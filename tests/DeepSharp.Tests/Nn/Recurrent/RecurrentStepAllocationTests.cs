using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Training;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// A recurrent training step after warm-up allocates little managed memory: its per-step buffers
/// (states, gates, masks) are pooled temporaries; what remains is the op nodes and their small
/// records (about 1 KB for Embedding → LSTM → Dense, measured when written). Bytes, not time.
/// </summary>
public class RecurrentStepAllocationTests
{
    [Fact]
    public void AnLstmTrainingStepAllocatesUnderOneAndAHalfKilobytes()
    {
        var x = Tensor.IntZeros(new Shape(32 * 30, 8));
        var y = Tensor.IntZeros(new Shape(32 * 30));
        for (int i = 0; i < x.Size; i++) x.IntSpan[i] = 1 + (i * 7) % 5;
        for (int i = 0; i < y.Size; i++) y.IntSpan[i] = i % 2;
        var model = new Sequential(new Embedding(6, 8, maskZero: true, inputShape: [8]), new Lstm(32, recurrentDropout: 0.1f), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(), new SparseCategoricalCrossentropy());
        var meter = new StepAllocationMeter();
        model.Fit(x, y, batchSize: 32, epochs: 1, verbose: 0, callbacks: [meter]);
        long median = meter.SteadyMedian();
        Assert.True(median <= 1536, $"An LSTM training step allocated {median} B (median); all: {string.Join(",", meter.PerStep)}");
    }
}

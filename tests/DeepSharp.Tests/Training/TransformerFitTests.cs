using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// A Transformer classifier under Fit: its sublayers' weights train, and a run killed and resumed
/// from a checkpoint ends bitwise where the uninterrupted run ends — the dropout generators of the
/// blocks' sublayers are saved under their paths.
/// </summary>
public class TransformerFitTests
{
    private const int Samples = 96, Tokens = 6, BatchSize = 16, Epochs = 2;

    private sealed class CrashException : Exception;

    private sealed class Crash(int afterSteps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == afterSteps) throw new CrashException();
        }
    }

    private static (Sequential Model, Tensor X, Tensor Y) Setup()
    {
        RandomGenerator.SetGlobalSeed(51);
        var g = new RandomGenerator(1);
        var tokens = new int[Samples * Tokens];
        var labels = new int[Samples];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = g.NextInt(10);
        for (int s = 0; s < Samples; s++) labels[s] = tokens[s * Tokens + Tokens - 1] % 3; // the class is in the last token
        var model = new Sequential(
            new Embedding(10, 8, inputShape: [Tokens]),
            new TransformerEncoderBlock(2, 16, dropout: 0.2f),
            new Flatten(),
            new Dense(3, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        return (model, Tensor.FromArray(tokens, Samples, Tokens), DataUtils.ToCategorical(Tensor.FromArray(labels, Samples), 3));
    }

    private static float[][] Train(string folder, int? crashAfter)
    {
        var (model, x, y) = Setup();
        if (crashAfter is { } n)
        {
            Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(folder, 4), new Crash(n)]));
            (model, x, y) = Setup();
        }
        var backup = new BackupAndRestore(folder, 4);
        model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup]);
        Assert.Equal(crashAfter is not null, backup.Restored is not null);
        return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    [Fact]
    public void ResumedTrainingIsBitwiseIdentical()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var uninterrupted = Train(a.Path, null);
        var resumed = Train(b.Path, crashAfter: 9);
        Assert.Equal(uninterrupted.Length, resumed.Length);
        for (int i = 0; i < uninterrupted.Length; i++)
            Assert.Equal(uninterrupted[i].Select(BitConverter.SingleToInt32Bits), resumed[i].Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void FitTrainsTheSublayersWeights()
    {
        var (model, x, y) = Setup();
        var query = model.Parameters.Single(p => p.Path == "transformer_encoder_block/self_attention_layer/query/kernel");
        var before = query.Value.ToArray();
        model.Fit(x, y, BatchSize, epochs: 1, verbose: 0);
        Assert.NotEqual(before, query.Value.ToArray());
    }
}

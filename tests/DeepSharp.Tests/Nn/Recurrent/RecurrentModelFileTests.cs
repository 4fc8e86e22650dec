using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>Models with recurrent layers save and load bit for bit, with Keras's weight names.</summary>
public class RecurrentModelFileTests
{
    private static Tensor Tokens(int batch, int time, int vocabulary, int seed)
    {
        var rng = new RandomGenerator(seed);
        var t = Tensor.IntZeros(new Shape(batch, time));
        for (int b = 0; b < batch; b++)
        {
            int length = 1 + rng.NextInt(time);
            for (int i = 0; i < length; i++) t.IntSpan[b * time + i] = 1 + rng.NextInt(vocabulary - 1);
        }
        return t;
    }

    [Fact]
    public void SequentialWithMasksSavesAndLoadsBitForBit()
    {
        RandomGenerator.SetGlobalSeed(21);
        var model = new Sequential(
            new Embedding(12, 5, maskZero: true, inputShape: [6]),
            new Bidirectional(new Lstm(4, returnSequences: true, recurrentDropout: 0.2f)),
            new Gru(3, goBackwards: true, dropout: 0.1f, returnSequences: true),
            new SimpleRnn(2),
            new Dense(2, Activation.Softmax));
        using var folder = new TempFolder();
        string path = folder.File("rnn.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var x = Tokens(7, 6, 12, 3);
        var expected = model.Predict(x).ToArray();
        var actual = loaded.Predict(x).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(model.Summary(_ => { }), loaded.Summary(_ => { }));

        var names = SafetensorsFile.Load(path).Entries.Select(e => e.Name).ToHashSet();
        Assert.Contains("bidirectional/forward_lstm/lstm_cell/recurrent_kernel", names);
        Assert.Contains("bidirectional/backward_lstm/lstm_cell/bias", names);
        Assert.Contains("gru/gru_cell/bias", names);
        string again = folder.File("again.safetensors");
        loaded.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void FunctionalWithRecurrentLayersRoundTripsItsConfig()
    {
        RandomGenerator.SetGlobalSeed(22);
        var input = Model.Input([5], dtype: DType.Int32);
        var e = new Embedding(9, 4, maskZero: true).Call(input);
        var sequence = new Bidirectional(new SimpleRnn(3, returnSequences: true), MergeMode.Ave).Call(e);
        var output = new Dense(1).Call(new Lstm(2).Call(sequence));
        var model = new Functional(input, output);
        var rebuilt = Functional.FromConfig(model.GetConfig());
        Assert.Equal(model.GetConfig().ToJsonString(), rebuilt.GetConfig().ToJsonString());
        using var folder = new TempFolder();
        string path = folder.File("functional.safetensors");
        model.Save(path);
        var x = Tokens(4, 5, 9, 8);
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
    }
}

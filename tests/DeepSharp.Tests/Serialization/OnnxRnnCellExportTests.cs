using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Docs;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// RNN over one SimpleRNNCell, LSTMCell or GRUCell exports as the SimpleRNN/LSTM/GRU node it equals and
/// agrees with Predict in ONNX Runtime, masks included; any other cell is refused naming the layer and cell.
/// </summary>
public class OnnxRnnCellExportTests
{
    private static RnnCell CellOf(string type, int units) => type switch
    {
        "SimpleRNN" => new SimpleRnnCell(units),
        "LSTM" => new LstmCell(units),
        _ => new GruCell(units),
    };

    public static TheoryData<string, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string cell in (string[])["SimpleRNN", "LSTM", "GRU"])
        {
            data.Add(cell, false, false);
            data.Add(cell, true, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RnnOverABuiltInCellMatchesPredict(string cell, bool sequences, bool backwards)
    {
        RandomGenerator.SetGlobalSeed(17);
        var model = new Sequential(new Rnn(CellOf(cell, 5), returnSequences: sequences, goBackwards: backwards, inputShape: [6, 3]));
        OnnxRecurrentExportTests.PerturbBiases(model);
        var x = Tensor.RandomUniform(new Shape(2, 6, 3), -1f, 1f, new RandomGenerator(5));
        OnnxRunner.AssertMatches(model, [x], $"RNN({cell}Cell) sequences={sequences} backwards={backwards}");
    }

    [Fact]
    public void MaskedRnnMatchesPredict()
    {
        RandomGenerator.SetGlobalSeed(18);
        var model = new Sequential(
            new Embedding(20, 6, maskZero: true, inputShape: [9]),
            new Rnn(new GruCell(4), returnSequences: true),
            new Rnn(new LstmCell(3)));
        OnnxRecurrentExportTests.PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [OnnxRecurrentExportTests.RightPadded(9, 9, 4, 0, 1)], "masked RNN cells");
    }

    [Fact]
    public void OtherCellsAreRefusedByName()
    {
        var stacked = new Sequential(new Rnn([new LstmCell(2), new LstmCell(2)], name: "stack", inputShape: [4, 3]));
        var e = Assert.ThrowsAny<DeepSharpException>(() => OnnxRunner.Run(stacked, [Tensor.Zeros(1, 4, 3)]));
        Assert.Contains("'stack'", e.Message);
        Assert.Contains("StackedRNNCells", e.Message);
        var custom = new Sequential(new Rnn(new MinimalRnnCell(2), inputShape: [4, 3]));
        Assert.Contains("MinimalRNNCell", Assert.ThrowsAny<DeepSharpException>(() => OnnxRunner.Run(custom, [Tensor.Zeros(1, 4, 3)])).Message);
    }
}

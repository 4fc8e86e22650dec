using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The cases of the recurrent fixtures (RecurrentMain/): shared by make_fixtures.cs, which wrote them from main,
/// and RecurrentMainFixtureTests, which checks today's code against them.
/// </summary>
internal static class RecurrentMainCases
{
    public static IEnumerable<(string, Func<Layer>)> Layers()
    {
        yield return ("SimpleRNN/default", () => new SimpleRnn(3, name: "r"));
        yield return ("SimpleRNN/all", () => new SimpleRnn(4, Activation.Relu, false, Initializer.HeNormal, Initializer.Ones, Initializer.Constant(0.5f),
            0.25f, 0.125f, true, true, true, true, 7, "r", [5, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new L2(0.3f),
            new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("SimpleRNN/sequences", () => new SimpleRnn(2, Activation.Linear, returnSequences: true, name: "r", inputShape: [4, 3]));
        yield return ("LSTM/default", () => new Lstm(3, name: "r"));
        yield return ("LSTM/all", () => new Lstm(4, Activation.Relu, Activation.Tanh, false, Initializer.HeNormal, Initializer.Ones,
            Initializer.Constant(0.5f), false, 0.25f, 0.125f, true, true, true, true, 7, "r", [5, 2], new L2(0.5f), new L1(0.25f),
            new L1L2(0.1f, 0.2f), new L2(0.3f), new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("LSTM/backwards", () => new Lstm(2, goBackwards: true, returnState: true, biasInitializer: Initializer.LecunUniform, name: "r"));
        yield return ("GRU/default", () => new Gru(3, name: "r"));
        yield return ("GRU/all", () => new Gru(4, Activation.Sigmoid, Activation.Relu, false, Initializer.HeNormal, Initializer.Ones,
            Initializer.Constant(0.5f), 0.25f, 0.125f, true, true, true, true, 7, "r", [5, 2], new L2(0.5f), new L1(0.25f),
            new L1L2(0.1f, 0.2f), new L2(0.3f), new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("SimpleRNNCell/default", () => new SimpleRnnCell(3, name: "c"));
        yield return ("SimpleRNNCell/all", () => new SimpleRnnCell(4, Activation.Relu, false, Initializer.HeNormal, Initializer.Ones,
            Initializer.Constant(0.5f), new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new UnitNorm(), new NonNeg(),
            0.25f, 0.125f, 7, "c"));
        yield return ("LSTMCell/default", () => new LstmCell(3, name: "c"));
        yield return ("LSTMCell/all", () => new LstmCell(4, Activation.Relu, Activation.Tanh, false, Initializer.HeNormal, Initializer.Ones,
            Initializer.Constant(0.5f), false, new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new UnitNorm(), new NonNeg(),
            0.25f, 0.125f, 7, "c"));
        yield return ("GRUCell/default", () => new GruCell(3, name: "c"));
        yield return ("GRUCell/all", () => new GruCell(4, Activation.Sigmoid, Activation.Relu, false, Initializer.HeNormal, Initializer.Ones,
            Initializer.Constant(0.5f), new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new UnitNorm(), new NonNeg(),
            0.25f, 0.125f, 7, "c"));
        yield return ("StackedRNNCells/default", () => new StackedRnnCells([new SimpleRnnCell(2), new LstmCell(3, dropout: 0.5f, seed: 3)], "s"));
        yield return ("RNN/default", () => new Rnn(new LstmCell(3), name: "r"));
        yield return ("RNN/all", () => new Rnn(new GruCell(2, Activation.Relu, name: "g"), true, true, true, false, true, true, "r", [5, 2]));
        yield return ("RNN/stacked", () => new Rnn([new SimpleRnnCell(2), new GruCell(3)], returnSequences: true, name: "r"));
        yield return ("ConvLSTM1D/default", () => new ConvLstm1D(3, 2, name: "r"));
        yield return ("ConvLSTM1D/all", () => new ConvLstm1D(4, 3, 1, Padding.Same, 2, Activation.Relu, Activation.Tanh, false, Initializer.HeNormal,
            Initializer.Ones, Initializer.Constant(0.5f), false, 0.25f, 0.125f, true, true, true, true, 7, "r", [3, 6, 2], new L2(0.5f),
            new L1(0.25f), new L1L2(0.1f, 0.2f), new L2(0.3f), new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("ConvLSTM2D/default", () => new ConvLstm2D(3, 2, name: "r"));
        yield return ("ConvLSTM2D/all", () => new ConvLstm2D(4, (3, 2), (2, 1), Padding.Same, null, Activation.Sigmoid, Activation.Relu, false,
            Initializer.LecunUniform, Initializer.Ones, Initializer.Constant(0.5f), false, 0.25f, 0.125f, true, true, true, true, 7, "r",
            [3, 6, 5, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new L2(0.3f), new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("ConvLSTM2D/dilated", () => new ConvLstm2D(2, (3, 3), dilationRate: (2, 1), name: "r"));
        yield return ("ConvLSTM3D/default", () => new ConvLstm3D(3, 2, name: "r"));
        yield return ("ConvLSTM3D/all", () => new ConvLstm3D(4, (3, 2, 1), (2, 1, 1), Padding.Same, null, Activation.Relu, Activation.Sigmoid, false,
            Initializer.HeUniform, Initializer.Ones, Initializer.Constant(0.5f), false, 0.25f, 0.125f, true, true, true, true, 7, "r",
            [3, 4, 4, 4, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new L2(0.3f), new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("Bidirectional/default", () => new Bidirectional(new Lstm(3, name: "l"), name: "b"));
        yield return ("Bidirectional/sum", () => new Bidirectional(new Gru(2, returnSequences: true, name: "g"), MergeMode.Sum, name: "b", inputShape: [5, 2]));
    }

    public static IEnumerable<(string, Func<Model>, Shape)> Models()
    {
        var bias = Initializer.RandomUniform(-0.5f, 0.5f);
        yield return ("recurrent", () => new Sequential(
        [
            new SimpleRnn(3, returnSequences: true, biasInitializer: bias, name: "simple_rnn", inputShape: [5, 2]),
            new Lstm(4, returnSequences: true, biasInitializer: bias, name: "lstm"),
            new Gru(3, returnSequences: true, goBackwards: true, biasInitializer: bias, name: "gru"),
            new Bidirectional(new Lstm(2, biasInitializer: bias, unitForgetBias: false, name: "inner"), name: "bidirectional"),
        ], name: "recurrent"), new Shape(2, 5, 2));
        yield return ("cells", () => new Sequential(
        [
            new Rnn(new LstmCell(3, biasInitializer: bias), returnSequences: true, name: "rnn", inputShape: [5, 2]),
            new Rnn([new SimpleRnnCell(2, biasInitializer: bias), new GruCell(3, biasInitializer: bias)], returnSequences: true, name: "stacked"),
            new Rnn(new GruCell(2, biasInitializer: bias), goBackwards: true, name: "last"),
        ], name: "cells"), new Shape(2, 5, 2));
        yield return ("convlstm1d", () => new Sequential(
        [
            new ConvLstm1D(2, 2, padding: Padding.Same, returnSequences: true, biasInitializer: bias, name: "conv_lstm1d", inputShape: [3, 5, 2]),
            new ConvLstm1D(3, 3, biasInitializer: bias, unitForgetBias: false, name: "last"),
        ], name: "convlstm1d"), new Shape(2, 3, 5, 2));
        yield return ("convlstm2d", () => new Sequential(
        [
            new ConvLstm2D(2, (2, 3), padding: Padding.Same, returnSequences: true, biasInitializer: bias, name: "conv_lstm2d", inputShape: [3, 4, 5, 2]),
            new ConvLstm2D(3, 2, strides: 2, biasInitializer: bias, name: "last"),
        ], name: "convlstm2d"), new Shape(2, 3, 4, 5, 2));
        yield return ("convlstm3d", () => new Sequential(
        [
            new ConvLstm3D(2, (2, 2, 1), padding: Padding.Same, biasInitializer: bias, goBackwards: true, name: "conv_lstm3d", inputShape: [2, 3, 3, 3, 2]),
        ], name: "convlstm3d"), new Shape(2, 2, 3, 3, 3, 2));
    }
}

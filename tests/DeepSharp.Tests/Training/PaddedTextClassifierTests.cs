using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Keras's text classifier — Embedding(mask_zero=True) → MultiHeadAttention self-attention →
/// GlobalAveragePooling1D → Dense — gives the same prediction for a sequence however much padding
/// follows it: the mask reaches the attention as query and value masks and the pooling as the
/// attention's output mask. Models of each length share one set of weights.
/// </summary>
public class PaddedTextClassifierTests
{
    private static readonly int[] Sequence = [4, 17, 9, 2, 11];

    private static Model Classifier(int length, bool maskZero)
    {
        var tokens = Model.Input([length], dtype: DType.Int32);
        var x = new Embedding(20, 8, maskZero: maskZero).Call(tokens);
        x = new MultiHeadAttention(2, keyDim: 4).Call(x, x);
        return new Functional(tokens, new Dense(3, Activation.Softmax).Call(new GlobalAveragePooling1D().Call(x)));
    }

    private static Tensor Padded(int length)
    {
        var row = new int[length];
        Sequence.CopyTo(row, 0);
        return Tensor.FromArray(row, 1, length);
    }

    private static float[] Predict(Model reference, Model model, int length)
    {
        model.SetWeights(reference.GetWeights());
        return model.Call(Padded(length)).ToArray();
    }

    [Fact]
    public void PaddingDoesNotChangeThePrediction()
    {
        RandomGenerator.SetGlobalSeed(12);
        var reference = Classifier(5, maskZero: true);
        var expected = reference.Call(Padded(5)).ToArray();
        foreach (int length in new[] { 6, 9, 16 })
        {
            var padded = Predict(reference, Classifier(length, maskZero: true), length);
            for (int c = 0; c < expected.Length; c++)
                Assert.True(Math.Abs(expected[c] - padded[c]) <= 2e-6f, $"length {length}, class {c}: {padded[c]} vs {expected[c]}");
        }
        // The self-attention call in a Sequential model (one input, the mask propagated) agrees.
        var sequential = new Sequential(new Embedding(20, 8, maskZero: true, inputShape: [9]), new MultiHeadAttention(2, keyDim: 4),
            new GlobalAveragePooling1D(), new Dense(3, Activation.Softmax));
        var viaSequential = Predict(reference, sequential, 9);
        for (int c = 0; c < expected.Length; c++)
            Assert.True(Math.Abs(expected[c] - viaSequential[c]) <= 2e-6f, $"Sequential, class {c}: {viaSequential[c]} vs {expected[c]}");
    }

    [Fact]
    public void WithoutTheMaskPaddingChangesThePrediction()
    {
        RandomGenerator.SetGlobalSeed(12);
        var reference = Classifier(5, maskZero: false);
        var expected = reference.Call(Padded(5)).ToArray();
        var padded = Predict(reference, Classifier(9, maskZero: false), 9);
        float largest = Enumerable.Range(0, expected.Length).Max(c => Math.Abs(expected[c] - padded[c]));
        Assert.True(largest > 1e-4f, $"padding moved the prediction by only {largest}");
    }
}

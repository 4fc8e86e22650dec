using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>The gated linear unit (Dauphin et al. 2017), Keras's <c>glu</c> along the last axis.</summary>
public static partial class Ops
{
    /// <summary>
    /// a·σ(b), where a and b are the first and second halves of the last axis: (…, 2n) → (…, n). It changes the
    /// shape, so it is an op (e.g. in a <c>Lambda</c> after <c>Dense(2n)</c>) rather than a layer's activation.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The last axis is missing or of odd length.</exception>
    public static Tensor Glu(Tensor x)
    {
        if (x.Rank == 0 || x.Shape[-1] % 2 != 0)
            throw new ShapeMismatchException($"Glu splits the last axis into two halves; got shape {x.Shape}, whose last axis is {(x.Rank == 0 ? "missing" : "odd")}.");
        int half = x.Shape[-1] / 2, axis = x.Rank - 1;
        return Multiply(Slice(x, axis, 0, half), Sigmoid(Slice(x, axis, half, half)));
    }
}

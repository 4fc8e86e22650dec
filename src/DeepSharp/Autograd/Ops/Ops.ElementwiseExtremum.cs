using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

/// <summary>
/// Elementwise maximum and minimum of several tensors (Keras's Maximum and Minimum merges,
/// torch.maximum / torch.minimum). The inputs broadcast NumPy-style. A NaN in any input gives NaN.
/// Gradient at ties: each output's gradient is shared equally among the inputs that hold the
/// extremum there (two tied inputs get half each, as torch.maximum; k tied inputs 1/k each, as
/// torch.amax over the stacked inputs). Where the output is NaN, the NaN inputs share it.
/// </summary>
public static partial class Ops
{
    /// <summary>Elementwise maximum of <paramref name="a"/> and <paramref name="b"/> (broadcasting).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Extremum([a, b], max: true);

    /// <summary>Elementwise minimum of <paramref name="a"/> and <paramref name="b"/> (broadcasting).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Extremum([a, b], max: false);

    /// <summary>Elementwise maximum of one or more tensors (broadcasting); ties share the gradient equally.</summary>
    /// <exception cref="ShapeMismatchException">The shapes do not broadcast together.</exception>
    public static Tensor Maximum(IReadOnlyList<Tensor> inputs) => Extremum(inputs, max: true);

    /// <summary>Elementwise minimum of one or more tensors (broadcasting); ties share the gradient equally.</summary>
    /// <exception cref="ShapeMismatchException">The shapes do not broadcast together.</exception>
    public static Tensor Minimum(IReadOnlyList<Tensor> inputs) => Extremum(inputs, max: false);

    private static Tensor Extremum(IReadOnlyList<Tensor> inputs, bool max)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        string op = max ? "Maximum" : "Minimum";
        if (inputs.Count == 0) throw new ArgumentException($"{op} needs at least one tensor.", nameof(inputs));
        var shape = inputs[0].Shape;
        for (int i = 1; i < inputs.Count; i++) shape = Broadcasting.BroadcastShapes(shape, inputs[i].Shape, op);
        var xs = new Tensor[inputs.Count];
        bool needed = false;
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = BroadcastTo(inputs[i], shape);
            needed |= xs[i].RequiresGrad;
        }
        var y = Tensor.Temp(shape);
        xs[0].Span.CopyTo(y.Span);
        for (int i = 1; i < xs.Length; i++)
        {
            if (max) TensorPrimitives.Max(y.Span, xs[i].Span, y.Span);
            else TensorPrimitives.Min(y.Span, xs[i].Span, y.Span);
        }
        return needed && !NoGrad.IsActive ? new ExtremumNode(xs, max).Attach(y) : y;
    }

    private sealed class ExtremumNode(Tensor[] inputs, bool max) : OpNode(inputs)
    {
        public override string Name => max ? "Maximum" : "Minimum";

        public override void Backward(Tensor output, Tensor dy)
        {
            var y = output.Span;
            var g = dy.Span;
            var counts = Tensor.Temp(output.Shape);
            var c = counts.Span;
            c.Clear();
            for (int i = 0; i < InputCount; i++)
            {
                var x = Input(i).Span;
                for (int j = 0; j < c.Length; j++) if (Holds(x[j], y[j])) c[j] += 1f;
            }
            for (int i = 0; i < InputCount; i++)
            {
                if (GradOf(i) is not { } dx) continue;
                var x = Input(i).Span;
                var d = dx.Span;
                for (int j = 0; j < d.Length; j++) if (Holds(x[j], y[j])) d[j] += g[j] / c[j];
            }
        }

        private static bool Holds(float x, float y) => x == y || (float.IsNaN(x) && float.IsNaN(y));
    }
}

using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Reverse-mode differentiation over the recorded graph (micrograd's engine, on tensors):
/// topological order by depth-first search, then each node's backward rule in reverse,
/// accumulating (+=) into <see cref="Tensor.Grad"/>.
/// </summary>
public static class Backprop
{
    /// <summary>
    /// Computes ∂this/∂t for every tensor t in the graph that requires grad. A scalar needs no
    /// <paramref name="gradient"/>; otherwise pass ∂L/∂this.
    /// </summary>
    public static void Backward(this Tensor output, Tensor? gradient = null)
    {
        if (!output.RequiresGrad)
            throw new InvalidOperationException($"Backward() on a tensor {output.Shape} that does not require grad: no parameter contributed to it, or it was computed under NoGrad.");
        if (gradient is null && output.Size != 1)
            throw new ShapeMismatchException($"Backward() without a gradient needs a one-element output, not {output.Shape}.");
        if (gradient is not null && gradient.Shape != output.Shape)
            throw new ShapeMismatchException($"Backward() gradient {gradient.Shape} does not match output {output.Shape}.");

        var order = TopologicalOrder(output);
        var seed = GradOf(output);
        if (gradient is null) seed.Span.Fill(1f);
        else gradient.Span.CopyTo(seed.Span);

        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            if (t.GradFn is { } fn && t.Grad is { } g) fn.Backward(t, g);
        }
    }

    /// <summary>The gradient buffer of <paramref name="t"/>, created as zeros on first use.</summary>
    internal static Tensor GradOf(Tensor t)
    {
        // Leaves (parameters) keep their gradient across steps; intermediates get pooled temporaries.
        return t.Grad ??= t.IsLeaf ? Tensor.Zeros(t.Shape) : Tensor.Temp(t.Shape, clear: true);
    }

    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Node, int NextInput)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.GradFn?.Inputs;
            if (inputs is not null && next < inputs.Count)
            {
                stack.Push((node, next + 1));
                var input = inputs[next];
                if (input.RequiresGrad && visited.Add(input)) stack.Push((input, 0));
                continue;
            }
            order.Add(node);
        }
        return order;
    }
}

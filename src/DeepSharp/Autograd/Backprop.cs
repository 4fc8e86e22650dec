using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

/// <summary>
/// Reverse-mode differentiation over the recorded graph (micrograd's engine, on tensors):
/// topological order by depth-first search, then each node's backward rule in reverse,
/// accumulating (+=) into <see cref="Tensor.Grad"/>. The reverse walk reaches a leaf (a weight)
/// only after every op that used it has run its rule, so its gradient is final there: an
/// <see cref="ILeafGradientListener"/> is told at that moment (the seam data-parallel training
/// reduces gradients at, overlapped with the rest of backward).
/// </summary>
public static class Backprop
{
    /// <summary>
    /// Computes ∂this/∂t for every tensor t in the graph that requires grad, adding into each leaf's
    /// <see cref="Tensor.Grad"/> (leaf gradients accumulate across passes until cleared, as PyTorch's
    /// <c>.grad</c> until <c>zero_grad</c>). A scalar needs no <paramref name="gradient"/>; otherwise pass ∂L/∂this.
    /// A graph goes through Backward once: a second Backward through any op result it walked throws, unless
    /// the earlier one passed <paramref name="retainGraph"/> true (PyTorch's <c>retain_graph=True</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor does not require grad, or the graph was already
    /// walked by a Backward without <paramref name="retainGraph"/>.</exception>
    public static void Backward(this Tensor output, Tensor? gradient = null, bool retainGraph = false) => Backward(output, gradient, null, retainGraph);

    /// <summary>
    /// <see cref="Backward(Tensor, Tensor?, bool)"/> that tells <paramref name="leaves"/> about each leaf
    /// of the graph (a tensor without a backward rule, such as a weight) as soon as its gradient is
    /// complete: once per leaf that received a gradient, in the order backward finishes them.
    /// </summary>
    internal static void Backward(this Tensor output, Tensor? gradient, ILeafGradientListener? leaves, bool retainGraph = false)
    {
        if (!output.RequiresGrad)
            throw new InvalidOperationException($"Backward() on a tensor {output.Shape} that does not require grad: no parameter contributed to it, or it was computed under NoGrad.");
        if (gradient is null && output.Size != 1)
            throw new ShapeMismatchException($"Backward() without a gradient needs a one-element output, not {output.Shape}.");
        if (gradient is not null && gradient.Shape != output.Shape)
            throw new ShapeMismatchException($"Backward() gradient {gradient.Shape} does not match output {output.Shape}.");

        var order = t_order ?? [];
        t_order = null; // a backward rule that itself calls Backward gets its own list
        try
        {
            TopologicalOrder(output, order);
            var seed = GradOf(output);
            if (output.IsLeaf)
            {
                // A leaf keeps its gradient across passes: ∂out/∂out accumulates as every leaf gradient does.
                if (gradient is null) TensorPrimitives.Add(seed.Span, 1f, seed.Span);
                else TensorPrimitives.Add(seed.Span, gradient.Span, seed.Span);
            }
            else if (gradient is null) seed.Span.Fill(1f);
            else gradient.Span.CopyTo(seed.Span);

            for (int i = order.Count - 1; i >= 0; i--)
            {
                var t = order[i];
                if (t.GradFn is { } fn)
                {
                    if (t.Grad is { } g)
                    {
                        if (t_timer is { } timer) timer.Run(fn, t, g);
                        else fn.Backward(t, g);
                    }
                    t.GraphReleased = !retainGraph;
                }
                else if (leaves is not null && t.Grad is not null)
                {
                    leaves.LeafGradientReady(t); // every op that used t is behind us: its gradient is final
                }
            }
        }
        finally
        {
            order.Clear();
            t_order = order;
        }
    }

    /// <summary>The gradient buffer of <paramref name="t"/>, created as zeros on first use.</summary>
    internal static Tensor GradOf(Tensor t)
    {
        // Leaves (parameters) keep their gradient across steps; intermediates get pooled temporaries.
        return t.Grad ??= t.IsLeaf ? Tensor.Zeros(t.Shape) : Tensor.Temp(t.Shape, clear: true);
    }

    /// <summary>
    /// Appends the graph's tensors that require grad to <paramref name="order"/>, inputs before the
    /// ops that use them, by iterative depth-first search. Visited tensors carry this sort's mark,
    /// so the sort needs no set.
    /// </summary>
    private static void TopologicalOrder(Tensor root, List<Tensor> order)
    {
        int mark = Interlocked.Increment(ref s_mark);
        var stack = t_stack ?? new Stack<(Tensor Node, int NextInput)>();
        t_stack = null;
        Enter(root);
        stack.Push((root, 0));
        root.VisitMark = mark;
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (node.GradFn is { } fn && next < InputCount(fn))
            {
                stack.Push((node, next + 1));
                var input = Input(fn, next);
                if (input.RequiresGrad && input.VisitMark != mark)
                {
                    Enter(input);
                    input.VisitMark = mark;
                    stack.Push((input, 0));
                }
                continue;
            }
            order.Add(node);
        }
        t_stack = stack;
    }

    /// <summary>
    /// Readies an op result for this pass: refuses one an earlier Backward released, and drops the
    /// gradient an earlier (retaining) pass left on it, so the pass starts every intermediate from zero.
    /// </summary>
    private static void Enter(Tensor t)
    {
        if (t.GradFn is not { } fn) return;
        if (t.GraphReleased)
        {
            throw new InvalidOperationException(
                $"Backward() through the result {t.Shape} of {fn.Name} a second time: an earlier Backward() went through this graph " +
                "and released it (PyTorch: \"Trying to backward through the graph a second time\"). Run the forward pass again " +
                "(leaf gradients keep accumulating until cleared), or pass retainGraph: true to the earlier Backward() to walk the same graph again.");
        }
        t.Grad = null;
    }

    private static int InputCount(IGradFunction fn) => fn is OpNode node ? node.InputCount : fn.Inputs.Count;
    private static Tensor Input(IGradFunction fn, int i) => fn is OpNode node ? node.Input(i) : fn.Inputs[i];

    /// <summary>
    /// When set on this thread, every backward rule runs through it (the bench's per-op step
    /// profile); null otherwise, and then each rule runs directly.
    /// </summary>
    internal static IBackwardTimer? Timer
    {
        get => t_timer;
        set => t_timer = value;
    }

    [ThreadStatic] private static IBackwardTimer? t_timer;
    private static int s_mark;
    [ThreadStatic] private static List<Tensor>? t_order;
    [ThreadStatic] private static Stack<(Tensor Node, int NextInput)>? t_stack;
}

/// <summary>Told by <see cref="Backprop"/> when a leaf's gradient is final (every op that used the leaf has run its backward rule).</summary>
internal interface ILeafGradientListener
{
    /// <summary>
    /// <paramref name="leaf"/>'s <see cref="Tensor.Grad"/> holds its complete gradient for this
    /// backward pass; nothing later in the pass writes to it. Called on the thread running Backward.
    /// </summary>
    void LeafGradientReady(Tensor leaf);
}
